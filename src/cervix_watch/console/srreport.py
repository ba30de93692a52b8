"""What `import sr` and `listen` print of an SR import (`app.srimport`): per SR, its
warnings, then what was (or would be) written, as `scan add` prints it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cervix_watch.console import context, output
from cervix_watch.domain.ga import format_ga

if TYPE_CHECKING:
    from cervix_watch.app.intake import Taken
    from cervix_watch.app.srimport import Outcome, Planned
    from cervix_watch.domain.models import Scan
    from cervix_watch.rules import Profile


def report(state: context.State, outcome: Outcome, dry_run: bool, profile: Profile) -> None:
    """Per SR: its warnings, then what was (or would be) written, as `scan add` prints it:
    an acute-review point first, then the scan (id, GA, route, recorded CL) and the other
    flags it raised under `profile` (the caller loaded it before writing)."""
    from cervix_watch.app.records import scans_raised
    from cervix_watch.console.views import report_new_scan

    for plan, scan_id in outcome.present:
        found = f" (scan {scan_id})" if scan_id else " (the same report twice in this run)"
        output.one_line(f"{plan.name}: already present{found}.")
    saved = [] if dry_run else scans_raised(state.store(), [s for _, s in outcome.added], profile)
    for number, (plan, scan) in enumerate(outcome.added):
        for warning in plan.sr.warnings:
            output.note(f"warning: {plan.name}: {warning}")
        if dry_run:
            report_dry(plan)
        else:
            report_new_scan(scan, saved[number], source=plan.name)


def report_taken(taken: Taken) -> None:
    """A report held in the inbox or ignored: one line, never a patient's name or id."""
    if taken.outcome == "ignored":
        output.one_line(f"{taken.name}: ignored: {taken.reason}.")
    elif taken.state == "rejected":
        output.one_line(
            f"{taken.name}: rejected before (inbox {taken.inbox_id}); received again, kept."
        )
    elif not taken.new_row:
        again = "a new version kept" if taken.new_version else "the same bytes"
        output.one_line(
            f"{taken.name}: already held in the inbox ({taken.inbox_id}): received again, {again}."
        )
    else:
        output.one_line(f"{taken.name}: held in the inbox ({taken.inbox_id}): {taken.reason}.")


def report_dry(plan: Planned) -> None:
    scan = plan.record
    ga = format_ga(plan.patient.ga_on(scan.date))
    cls = ", ".join(f"{v:.1f}" for v in scan.cl_mm)
    extra = _findings(scan)
    output.one_line(
        f"{plan.name}: would add a scan for {scan.mrn} on {scan.date} (GA {ga}), route "
        f"{scan.route.value}, CL {cls} mm{extra}."
    )
    for numeric in plan.sr.unmapped:
        value = "no value" if numeric.value is None else f"{numeric.value} {numeric.unit or ''}"
        concept = numeric.concept
        output.one_line(
            f"{plan.name}: unmapped: ({concept.value}, {concept.scheme_designator}) "
            f"{concept.meaning!r} = {value.strip()} at {numeric.where()}"
        )


def _findings(scan: Scan) -> str:
    parts = []
    if scan.funneling:
        parts.append("funneling")
    if scan.funnel_length_mm is not None:
        parts.append(f"funnel length {scan.funnel_length_mm:.1f} mm")
    if scan.funnel_width_mm is not None:
        parts.append(f"funnel width {scan.funnel_width_mm:.1f} mm")
    return "; " + ", ".join(parts) if parts else ""


__all__ = ["report", "report_dry"]
