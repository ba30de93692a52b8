"""The note of a route taken from a scanner's settings: written and found again."""

from __future__ import annotations

import pytest

from cervix_watch.domain.enums import Route
from cervix_watch.domain.route_notes import settings_route, settings_route_note


def test_the_note_names_the_route_and_the_scanner() -> None:
    """`route tv from scanner settings US_ROOM1`."""
    assert settings_route_note(Route.TV, "US_ROOM1") == "route tv from scanner settings US_ROOM1"


@pytest.mark.parametrize(
    ("notes", "found"),
    [
        ("route tv from scanner settings US_ROOM1", "route tv from scanner settings US_ROOM1"),
        (
            "machine's selected CL 30.0 mm (x); route ta from scanner settings US ROOM 2; SR EDD",
            "route ta from scanner settings US ROOM 2",
        ),
        ("", None),
        ("route tv from --route", None),
        ("only derived CL values in the SR", None),
    ],
)
def test_the_note_is_found_among_a_scans_notes(notes: str, found: str | None) -> None:
    """Found among notes joined with `; `; other notes are not it."""
    assert settings_route(notes) == found
