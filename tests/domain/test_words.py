"""Counted nouns read as English: one patient, two patients, one loss, two losses."""

from __future__ import annotations

import pytest

from cervix_watch.domain.words import counted, singular


@pytest.mark.parametrize(
    ("count", "noun", "expected"),
    [
        (1, "active patient", "1 active patient"),
        (0, "active patient", "0 active patients"),
        (2, "scan", "2 scans"),
        (1, "painless second-trimester loss", "1 painless second-trimester loss"),
        (3, "painless second-trimester loss", "3 painless second-trimester losses"),
    ],
)
def test_counted(count: int, noun: str, expected: str) -> None:
    """The noun is singular for exactly one and plural otherwise, including -ss nouns."""
    assert counted(count, noun) == expected


def test_singular_of_csv_kinds() -> None:
    """Each CSV kind's plural name has a singular for messages."""
    kinds = ["patients", "scans", "exams", "treatments", "discussions"]
    assert [singular(k) for k in kinds] == ["patient", "scan", "exam", "treatment", "discussion"]
