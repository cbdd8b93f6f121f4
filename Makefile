# Two commands do all set-up on a fresh machine:
#   make run    analyze the bundled example log (make serve: start the gRPC service instead)
#   make test   install everything into .venv (dev, trainer and plot extras, the Python client
#               with its Keras and Lightning callbacks, the npm buf CLI and the Node.js client),
#               lint the protos and the code, and run the whole test suite, the slow
#               reference-trainer regeneration and the end-to-end client tests included
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CORE   := $(VENV)/.installed-core
DEV    := $(VENV)/.installed-dev
# The buf CLI (npm @bufbuild/buf, pinned in tools/buf/package-lock.json): `buf lint` of proto/
# and the `buf curl` integration test of the service.
BUF    := tools/buf/node_modules/.bin/buf
# The Node.js client's packages (@grpc/grpc-js, @grpc/proto-loader; clients/node/package-lock.json),
# for its test against a real server (tests/clients/test_node_client.py).
NODE_CLIENT := clients/node/node_modules/.package-lock.json

.PHONY: run serve test lint format bench clean

$(CORE): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(CORE)

# The test suite also needs the dev tools, the trainer extra (TensorFlow, scikit-learn),
# the plot extra (matplotlib, for the --plot tests) and the Python client (clients/python)
# with its callbacks' extras: torch==2.13.0 alone first, so that the CPU wheel is the one
# installed (lightning would otherwise pull the CUDA build, gigabytes).
$(DEV): $(CORE) clients/python/pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,trainer,plot]'
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e 'clients/python[keras,lightning]'
	touch $(DEV)

run: $(CORE)
	$(BIN)/analyzer-cli examples/keras_overfitting.csv

# The gRPC service on 127.0.0.1:50051 (flags and ANALYZER_* variables: see README, Service).
serve: $(CORE)
	$(BIN)/analyzer-server

$(BUF): tools/buf/package.json tools/buf/package-lock.json
	npm ci --prefix tools/buf --no-audit --no-fund
	touch $(BUF)

$(NODE_CLIENT): clients/node/package.json clients/node/package-lock.json
	npm ci --prefix clients/node --no-audit --no-fund
	touch $(NODE_CLIENT)

test: $(DEV) $(BUF) $(NODE_CLIENT)
	$(BUF) lint
	$(BIN)/ruff check analyzer reference_trainer tests bench clients
	$(BIN)/python -m pytest

lint: $(DEV)
	$(BIN)/ruff check analyzer reference_trainer tests bench clients
	$(BIN)/ruff format --check analyzer reference_trainer tests bench clients

format: $(DEV)
	$(BIN)/ruff check --fix analyzer reference_trainer tests bench clients
	$(BIN)/ruff format analyzer reference_trainer tests bench clients

bench: $(DEV)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/stats.py
	$(BIN)/python bench/diagnosis_eval.py
	$(BIN)/python bench/compare.py
	$(BIN)/python bench/service.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
