"""What the sonographer sees right after saving: the record and the flags it raised
(`app.records` computes them)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from cervix_watch.console import output
from cervix_watch.domain.ga import format_ga

if TYPE_CHECKING:
    from cervix_watch.app.records import Saved
    from cervix_watch.domain.models import Exam, Scan


def _flag_line(flag: Any) -> str:
    return (
        f"  {flag.priority.value.upper():8} {flag.action.value}: {flag.message} "
        f"[{flag.rule}; {flag.citation}]"
    )


def _report(saved: str, flags: list[Any], unwrapped: bool = False) -> None:
    """The acute-review point first, before anything else (clinical-rules.md: the sonographer
    sees it in the room); then what was saved and the other points this record raised.

    `unwrapped`: the saved line names a file or an SR (`import sr`, `listen`) and is never
    wrapped."""
    from cervix_watch.domain.enums import Action

    acute = [flag for flag in flags if flag.action is Action.ACUTE_REVIEW]
    for flag in acute:
        output.line(_flag_line(flag))
    if unwrapped:
        output.one_line(saved, good=True)
    else:
        output.success(saved)
    others = [flag for flag in flags if flag.action is not Action.ACUTE_REVIEW]
    if not others and not acute:
        output.line("No flag raised by this record.")
    for flag in others:
        output.line(_flag_line(flag))


def same_day_notice(kind: str, mrn: str, on: date, earlier: tuple[int, ...]) -> None:
    """A second, different record the same day is saved, and the first one named."""
    if earlier:
        more = f" (and {len(earlier) - 1} more)" if len(earlier) > 1 else ""
        output.note(
            f"note: {mrn} already has {kind} {earlier[0]} on {on}{more}; this one is saved as well."
        )


def report_new_scan(scan: Scan, saved: Saved, source: str | None = None) -> None:
    """`Scan N saved for MRN: GA, recorded CL ...` and the flags it raised. With `source`
    (the file or SR it came from: `import sr`, `listen`) the line starts with it, names the
    route, and is never wrapped."""
    ga = format_ga(saved.ga_days)
    measurements = ", ".join(f"{v:.1f}" for v in scan.cl_mm)
    recorded = f"recorded CL {scan.recorded_cl_mm:.1f} mm (shortest of {measurements})."
    if source is None:
        _report(f"Scan {saved.record_id} saved for {scan.mrn}: GA {ga}, {recorded}", saved.flags)
        return
    line = (
        f"{source}: scan {saved.record_id} saved for {scan.mrn}: GA {ga}, route {scan.route.value}"
    )
    _report(f"{line}, {recorded}", saved.flags, unwrapped=True)


def report_new_exam(exam: Exam, saved: Saved) -> None:
    _report(
        f"Exam {saved.record_id} saved for {exam.mrn} at GA {format_ga(saved.ga_days)}.",
        saved.flags,
    )
