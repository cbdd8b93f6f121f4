"""Pure numerical measurements over numpy arrays.

Every function returns a small frozen result object (statistic, p-value, n, method, and a
confidence interval where one exists). Nothing here judges: the words "trend", "no trend",
"overfitting" belong to :mod:`analyzer.detectors`.

Insufficient data (fewer points than a method needs, all values equal, all NaN) is a normal
outcome: results then carry ``insufficient`` (a short reason) and NaN statistics, and
``result.ok`` is ``False``. Nothing raises for it.
"""
