# Two commands do all set-up on a fresh machine:
#   make run    analyze the bundled example log
#   make test   install everything into .venv, lint, and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/analyzer-cli examples/keras_overfitting.csv

test: $(STAMP)
	$(BIN)/ruff check analyzer tests bench
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check analyzer tests bench
	$(BIN)/ruff format --check analyzer tests bench

format: $(STAMP)
	$(BIN)/ruff check --fix analyzer tests bench
	$(BIN)/ruff format analyzer tests bench

bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/stats.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
