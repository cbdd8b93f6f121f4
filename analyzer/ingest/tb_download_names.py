"""What the file name of a TensorBoard UI download says: run, split and tag.

The scalar dashboard's download links save files named ``run-<run>-tag-<tag>.<csv|json>``,
where every ``/`` (and ``\\``) in the run and the tag became ``_``. Keras' TensorBoard callback
writes ``<logdir>/train`` and ``<logdir>/validation`` runs with ``epoch_loss`` tags, so typical
names are::

    run-20240101-120000_train-tag-epoch_loss.csv     run "20240101-120000_train", split train
    run-validation-tag-epoch_loss.csv                 run "validation", split validation
    run-.-tag-Loss_train.csv                          run ".", tag "Loss_train" (split in the tag)

Rules, in order:

- the directory part and the extension are dropped, and so is a browser's duplicate suffix
  (``run-x-tag-loss (1).csv``);
- the name must start with ``run-`` and contain ``-tag-``; the *last* ``-tag-`` separates run
  from tag, because run names (dates, ``lr-0.1``) contain dashes far more often than tags do;
- the split hint is the run's last path component (``_``-separated, as ``/`` was rewritten)
  when it is a split word (``train``, ``validation``, ``val``, ``eval``, ``test``...);
  a split written in the tag itself is left to :func:`analyzer.model.normalize_name`;
- any other name yields ``run=None, split=None, tag=<file stem>`` (``"value"`` when empty), so
  the caller has a metric name that overrides can fix later.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from analyzer.model import Split
from analyzer.model.names import SPLIT_FOLDER_WORDS

_SPLIT_WORDS = SPLIT_FOLDER_WORDS
_EXTENSIONS = (".csv", ".json", ".tsv", ".txt")
_DUPLICATE_SUFFIX = re.compile(r" ?\(\d{1,4}\)$")


class DownloadName(NamedTuple):
    """The parts of a download's file name (unpacks as ``run, split, tag``)."""

    run: str | None
    split: Split | None
    tag: str


def parse_tensorboard_download_name(filename: str) -> DownloadName:
    """Split a TensorBoard download name into (run, split hint, tag); see the module docstring."""
    base = re.split(r"[/\\]", filename)[-1]
    lower = base.lower()
    for extension in _EXTENSIONS:
        if lower.endswith(extension):
            base = base[: -len(extension)]
            break
    base = _DUPLICATE_SUFFIX.sub("", base)
    rest = base[4:] if base.startswith("run-") else ""
    cut = rest.rfind("-tag-")
    if cut >= 0 and rest[cut + 5 :]:
        run, tag = rest[:cut], rest[cut + 5 :]
        last = re.split(r"[_/\\]", run)[-1].lower()
        return DownloadName(run, _SPLIT_WORDS.get(last), tag)
    return DownloadName(None, None, base.strip() or "value")
