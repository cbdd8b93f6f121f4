"""The text and Markdown comparison reports say when they leave rows out."""

from __future__ import annotations

from dataclasses import replace

import pytest

from analyzer.compare import compare
from analyzer.render import compare_markdown, compare_text
from analyzer.testing.synthetic_pairs import pair


@pytest.fixture(scope="module")
def long_comparison():
    p = pair("better", 2)
    c = compare([p.a, p.b])
    return replace(c, differences=c.differences * (compare_text.MAX_ROWS + 7))


@pytest.mark.parametrize("renderer", [compare_text, compare_markdown])
def test_reports_list_at_most_max_rows_differences_and_count_the_rest(renderer, long_comparison):
    report = renderer.render(long_comparison)
    line = compare_text.difference_line(long_comparison.differences[0])
    assert report.count(line) == compare_text.MAX_ROWS
    assert "... and 7 more" in report
