"""The analyzer's verdict on one run, as the manifest's ``must`` lists read it."""

from __future__ import annotations

import analyzer
from reference_trainer.expectations import hints

NO_PRIMARY = "(no primary finding)"


def ranked_codes(source, entry) -> list[str]:
    """The diagnosis' finding codes, the primary (the first warning or worse) first; led by
    ``NO_PRIMARY`` when nothing is a warning, so an info-only diagnosis cannot pass for an
    expected primary."""
    diagnosis = analyzer.analyze(source, hints=hints(entry))
    assert not diagnosis.failures, diagnosis.failures
    codes = [f.code.value for f in diagnosis.findings]
    if diagnosis.primary is None:
        return [NO_PRIMARY, *codes]
    assert codes[0] == diagnosis.primary.code.value
    return codes
