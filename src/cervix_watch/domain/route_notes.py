"""The note a scan carries when its route came from a scanner's settings, not the report.

A single-probe machine's `route` (interop.md v3, "Scanner settings") stands in for a
beam path the report does not record. The scan says so in its note and audit row, in
these words, and the review shows them beside the CL, so a reader knows the route was
the machine's setting rather than measured.
"""

from __future__ import annotations

import re

from cervix_watch.domain.enums import Route

_SETTINGS_ROUTE = re.compile(r"route (?:tv|ta|tp) from scanner settings [^;]+")


def settings_route_note(route: Route, ae_title: str) -> str:
    """`route tv from scanner settings US_ROOM1`."""
    return f"route {route.value} from scanner settings {ae_title}"


def settings_route(notes: str) -> str | None:
    """The settings-route note within a scan's notes (joined with `; `), if it has one."""
    found = _SETTINGS_ROUTE.search(notes or "")
    return found.group().strip() if found else None
