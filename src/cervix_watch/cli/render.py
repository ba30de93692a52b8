"""Rendering a review and a profile. Placeholder JSON/text until the report module lands."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from cervix_watch.cli import context, output
from cervix_watch.domain.ga import format_ga


def render_review(review: Any, histories: Any, profile: Any, fmt: str, out: Path | None) -> None:
    output.print_json(review.to_json_dict())


def print_profile(profile: Any) -> None:
    def actions(rule: Any) -> str:
        value = rule.action
        return ", ".join(a.value for a in value) if isinstance(value, tuple) else value.value

    rows = [[r.id, actions(r), r.priority.value, r.citation] for r in profile.rules]
    output.table(
        f"{profile.name}: {profile.title}", ["Rule", "Action", "Priority", "Citation"], rows
    )


def show_patient(state: context.State, mrn: str, on: date, profile: str | None) -> None:
    """Placeholder patient view: details, scans, audit."""
    store = state.store()
    (f,) = store.patient_files(mrn)
    p = f.patient
    output.line(f"{p.mrn}  {p.name}  EDD {p.edd}  GA {format_ga(p.ga_on(on))} on {on}")
    output.table(
        "Scans",
        ["Id", "Date", "GA", "Route", "CL mm", "Recorded"],
        [
            [
                s.scan_id,
                s.date,
                format_ga(p.ga_on(s.date)),
                s.route.value,
                " / ".join(f"{v:.1f}" for v in s.cl_mm),
                f"{s.recorded_cl_mm:.1f}",
            ]
            for s in f.scans
        ],
    )
    output.table(
        "Audit trail",
        ["When", "Who", "What", "Reason"],
        [
            [a.at, a.who, f"{a.action} {a.entity} {a.entity_id or ''}", a.reason or ""]
            for a in store.audit_trail(mrn)
        ],
    )
