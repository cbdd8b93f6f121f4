"""Compare a sweep of training runs with Dask: one map over the runs, then one comparison.

``analyzer.compare`` works in two phases (``analyzer/compare/api.py``): ``profile_run`` reads,
diagnoses and measures one run on its own, and ``compare_profiles`` aligns, tests and ranks the
small profiles. The first phase is where the time goes and needs nothing from the other runs,
so it maps over a cluster; the second runs on the driver in well under a second for thousands
of runs (each run is tested against the best and its neighbour in the ranking, not against
every other run).

Pass file paths (one log per run), not a directory: a directory is read on the driver to find
its runs, while paths are read by the workers. Runs locally with Dask's process scheduler:

    pip install 'loss-analyzer[distributed]'
    python examples/distributed/compare_sweep.py 'sweep/*/metrics.csv'

On a cluster, create a ``dask.distributed.Client`` first and pass ``scheduler=client.get``
(or nothing: an active client becomes the default scheduler). Ray or Spark work the same way:
``ray.get([ray.remote(profile_run).remote(s) for s in specs])``, or ``profile_run`` inside a
grouped pandas UDF that returns the pickled profile.
"""

from __future__ import annotations

import glob
import sys
from collections.abc import Sequence
from typing import Any

import dask.bag as db

from analyzer.compare import (
    Comparison,
    compare_profiles,
    profile_run,
    resolve_runs,
    with_unique_names,
)
from analyzer.render.compare_text import render


def compare_with_dask(
    paths: Sequence[str],
    *,
    scheduler: Any = "processes",
    partitions: int | None = None,
    metric: str | None = None,
    **options: Any,
) -> Comparison:
    """``analyzer.compare(paths, ...)`` with the per-run phase mapped by Dask."""
    specs = resolve_runs(list(paths))
    bag = db.from_sequence(specs, npartitions=partitions or min(len(specs), 64))
    profiles = bag.map(profile_run, metric=metric).compute(scheduler=scheduler)
    return compare_profiles(with_unique_names(specs, profiles), metric=metric, **options)


def main(argv: Sequence[str]) -> int:
    paths = sorted(p for pattern in argv for p in glob.glob(pattern)) or list(argv)
    print(render(compare_with_dask(paths)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
