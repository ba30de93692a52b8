"""The one import path of the ultrasound machine's SRs, shared by `import sr` and `listen`.

Each SR is read and mapped (`interop.dicom_sr`, `interop.sr_scan`), checked
against its stored patient, validated by the same `Scan` model as `scan add`,
and written by the store's all-or-nothing importer (the path of `import
scans`: the same date checks and duplicate rules), one transaction per run.
An SR whose SOP Instance UID is already stored is "already present". Every
refusal is a `Problem` naming the file (or the received SR) and the field;
the SR's patient name is never read into a message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cervix_watch.cli import context, output
from cervix_watch.domain.errors import InputError, NotFoundError, Problem
from cervix_watch.domain.ga import format_ga

if TYPE_CHECKING:
    from pydicom.dataset import Dataset
    from pydicom.sr.coding import Code

    from cervix_watch.domain.enums import Route
    from cervix_watch.domain.models import Patient, Record, Scan
    from cervix_watch.interop.sr_scan import SrScan


@dataclass
class Planned:
    """One accepted SR: where it came from, what it maps to, the record to write."""

    name: str
    sr: SrScan
    patient: Patient
    record: Scan


@dataclass
class Outcome:
    """What a run did (or, dry, would do), in the order of its SRs."""

    added: list[tuple[Planned, Scan]] = field(default_factory=list)
    present: list[tuple[Planned, int]] = field(default_factory=list)


def _refusal(name: str, problem: Problem) -> Problem:
    return Problem(problem.field, problem.message, name)


class SrImporter:
    """Plans SRs into scans and writes them through the store's importer."""

    def __init__(
        self,
        state: context.State,
        who: str,
        route: Route | None,
        operator: str,
        codes: Mapping[tuple[str, str], str],
    ) -> None:
        from pydicom.sr.coding import Code

        self.state, self.who, self.route, self.operator = state, who, route, operator
        self.codes: dict[Code, str] = {
            Code(value, scheme, value): target for (scheme, value), target in codes.items()
        }

    def plan(self, name: str, dataset: Dataset) -> Planned:
        """The scan one SR makes; InputError with lines `NAME: field: problem` if none."""
        from cervix_watch.domain.models import Scan
        from cervix_watch.domain.problems import build
        from cervix_watch.interop.dicom_sr import SrError, content_of
        from cervix_watch.interop.sr_scan import check_against, scan_from

        try:
            content = content_of(dataset)
            sr = scan_from(content, name, self.route, self.operator, self.codes)
        except SrError as refused:
            raise InputError(_refusal(name, refused.problem)) from None
        patient = self._patient(name, content.patient_id)
        check_against(patient, content, sr)
        try:
            record = build(Scan, {**sr.record_values(), "mrn": patient.mrn})
        except InputError as invalid:
            raise InputError([_refusal(name, p) for p in invalid.problems]) from None
        return Planned(name, sr, patient, record)

    def _patient(self, name: str, patient_id: str) -> Patient:
        """The stored patient whose MRN is exactly the SR's PatientID; never created."""
        try:
            patient, _closure = self.state.store().get_patient(patient_id)
        except NotFoundError:
            patient = None
        if patient is None or patient.mrn != patient_id:
            raise InputError(Problem("patient", f"no patient {patient_id!r}", name))
        return patient

    def commit(self, plans: Sequence[Planned], dry_run: bool = False) -> Outcome:
        """Write every new scan in one transaction, or none; SRs already stored are skipped."""
        from cervix_watch.store.importer import import_records

        store = self.state.store()
        stored = store.scans_by_source([p.sr.source for p in plans])
        outcome = Outcome()
        new: list[Planned] = []
        seen: set[str] = set()
        for plan in plans:
            if plan.sr.source in stored:
                outcome.present.append((plan, stored[plan.sr.source].scan_id or 0))
            elif plan.sr.source not in seen:
                seen.add(plan.sr.source)
                new.append(plan)
            else:
                outcome.present.append((plan, 0))  # the same SR twice in one run
        if not new:
            return outcome
        lines: list[tuple[int, Record]] = [
            (number, plan.record) for number, plan in enumerate(new, start=1)
        ]
        try:
            import_records(
                store,
                "scans",
                [([], lines)],
                source="sr",
                who=self.who,
                today=self.state.today,
                dry_run=dry_run,
            )
        except InputError as refused:
            raise InputError(
                [_refusal(new[(p.line or 1) - 1].name, p) for p in refused.problems]
            ) from None
        written = {} if dry_run else store.scans_by_source([p.sr.source for p in new])
        for plan in new:
            outcome.added.append((plan, written.get(plan.sr.source, plan.record)))
        return outcome


def report(state: context.State, outcome: Outcome, dry_run: bool) -> None:
    """Per SR: its warnings, then what was (or would be) written, as `scan add` prints it."""
    for plan, scan_id in outcome.present:
        found = f" (scan {scan_id})" if scan_id else " (sent twice in this run)"
        output.one_line(f"{plan.name}: already present{found}.")
    for plan, scan in outcome.added:
        for warning in plan.sr.warnings:
            output.note(f"warning: {plan.name}: {warning}")
        if dry_run:
            report_dry(plan)
        else:
            report_saved(state, plan.name, scan)


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


def report_saved(state: context.State, name: str, scan: Scan) -> None:
    """`scan add`'s answer for an imported scan: an acute-review point first, then the scan
    (id, GA, route, recorded CL) and the other flags it raised."""
    from cervix_watch.cli.views import report_new_scan

    report_new_scan(state, scan, source=name)


__all__ = ["Outcome", "Planned", "SrImporter", "report"]
