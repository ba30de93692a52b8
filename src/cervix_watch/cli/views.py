"""What the sonographer sees right after saving, and the patient list: store + engine."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from cervix_watch.cli import clinic, context, output
from cervix_watch.domain.ga import format_ga

if TYPE_CHECKING:
    from cervix_watch.domain.models import Exam, Scan
    from cervix_watch.rules import Profile

# Active = GA below 37+0 (or a cerclage in situ: the engine knows; the list uses the review).


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


def _raised(state: context.State, mrn: str, on: date, profile: Profile) -> Any:
    """The patient's review as of the record's date (what this record raised).

    The profile was loaded and validated before the record was written, so a broken
    default profile fails the command before anything is saved, never after.
    """
    review, _ = clinic.clinic_review(state, on, profile, mrn, active_only=True)
    return review.patients[0] if review.patients else None


def same_day_notice(kind: str, mrn: str, on: date, earlier: tuple[int, ...]) -> None:
    """A second, different record the same day is saved, and the first one named."""
    if earlier:
        more = f" (and {len(earlier) - 1} more)" if len(earlier) > 1 else ""
        output.note(
            f"note: {mrn} already has {kind} {earlier[0]} on {on}{more}; this one is saved as well."
        )


def report_new_scan(
    state: context.State, scan: Scan, profile: Profile, source: str | None = None
) -> None:
    """`Scan N saved for MRN: GA, recorded CL ...` and the flags it raised. With `source`
    (the file or SR it came from: `import sr`, `listen`) the line starts with it, names the
    route, and is never wrapped. Every caller loads the `profile` before writing, so a
    profile that does not load fails the command with nothing saved."""
    from cervix_watch.rules import flags_raised_by_scan

    patient, _ = state.store().get_patient(scan.mrn)
    ga = format_ga(patient.ga_on(scan.date))
    measurements = ", ".join(f"{v:.1f}" for v in scan.cl_mm)
    review = _raised(state, scan.mrn, scan.date, profile)
    assert scan.scan_id is not None
    flags = flags_raised_by_scan(review, scan.scan_id) if review else []
    recorded = f"recorded CL {scan.recorded_cl_mm:.1f} mm (shortest of {measurements})."
    if source is None:
        _report(f"Scan {scan.scan_id} saved for {scan.mrn}: GA {ga}, {recorded}", flags)
        return
    line = f"{source}: scan {scan.scan_id} saved for {scan.mrn}: GA {ga}, route {scan.route.value}"
    _report(f"{line}, {recorded}", flags, unwrapped=True)


def report_new_exam(state: context.State, exam: Exam, exam_id: int, profile: Profile) -> None:
    from cervix_watch.rules import flags_raised_by_exam

    patient, _ = state.store().get_patient(exam.mrn)
    ga = format_ga(patient.ga_on(exam.date))
    review = _raised(state, exam.mrn, exam.date, profile)
    _report(
        f"Exam {exam_id} saved for {exam.mrn} at GA {ga}.",
        flags_raised_by_exam(review, exam.date) if review else [],
    )


def patient_rows(
    state: context.State, today: date, active: bool, risk: str | None, profile: str | None
) -> list[list[Any]]:
    """One row per patient: MRN, name, EDD, GA (w+d and days), risk (from the engine; None
    for a patient not reviewed), status, scans, latest CL."""
    from cervix_watch.app.clinic import history_of
    from cervix_watch.rules import review_clinic

    chosen = clinic.resolve_profile(state, profile)
    files = state.store().patient_files()
    reviewed = {
        p.mrn: p for p in review_clinic((history_of(f) for f in files), today, chosen).patients
    }
    rows: list[list[Any]] = []
    for f in files:
        p = f.patient
        current = reviewed.get(p.mrn)
        if active and current is None:
            continue
        category = current.risk.value if current else ""
        if risk is not None and category != risk.strip().lower():
            continue
        if f.closure is not None:
            status = f.closure.outcome.value
        else:
            status = "active" if current else "past 37+0"
        latest = f.scans[-1].recorded_cl_mm if f.scans else None
        rows.append(
            [
                p.mrn,
                p.name,
                p.edd.isoformat(),
                format_ga(p.ga_on(today)),
                p.ga_on(today),
                category or None,
                status,
                len(f.scans),
                latest,
            ]
        )
    return rows
