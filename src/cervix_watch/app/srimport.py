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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from cervix_watch.config import DEFAULT_US_EDD_TOLERANCE_DAYS
from cervix_watch.domain.errors import InputError, Problem

if TYPE_CHECKING:
    from pydicom.dataset import Dataset
    from pydicom.sr.coding import Code

    from cervix_watch.domain.enums import Route
    from cervix_watch.domain.models import Patient, Record, Scan
    from cervix_watch.interop.dicom_sr import SrContent, SrError
    from cervix_watch.interop.sr_scan import SrScan
    from cervix_watch.scanners import Scanner
    from cervix_watch.store.store import Store

    # A report as read: its name (file or received SR), and its dataset or why it is unreadable
    Reading = tuple[str, Dataset | SrError]


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

    @property
    def route_given(self) -> int:
        """How many of the run's reports took the given route (they record no beam path)."""
        plans = [plan for plan, _ in self.added] + [plan for plan, _ in self.present]
        return sum(plan.sr.route_given for plan in plans)


def _refusal(name: str, problem: Problem) -> Problem:
    return Problem(problem.field, problem.message, name)


class SrImporter:
    """Plans SRs into scans and writes them through the store's importer."""

    def __init__(
        self,
        store: Store,
        today: date,
        who: str,
        route: Route | None,
        operator: str,
        codes: Mapping[tuple[str, str], str],
        *,
        ultrasound_edd_tolerance_days: int = DEFAULT_US_EDD_TOLERANCE_DAYS,
        scanner: Scanner | None = None,
    ) -> None:
        from pydicom.sr.coding import Code

        # `today`: no scan may be dated after it (a long-running receiver moves it each day)
        self.store, self.today = store, today
        self.who, self.route, self.operator = who, route, operator
        self.ultrasound_edd_tolerance_days = ultrasound_edd_tolerance_days
        # The machine's settings: its codes over the unit's, its route (noted in each scan
        # that uses it) where no route was given, and where its MRN is (`with_scanner`).
        self.scanner, self.route_note = scanner, None
        if scanner is not None:
            codes = scanner.codes_with(codes)
            if route is None and scanner.route is not None:
                self.route, self.route_note = scanner.route, scanner.route_note()
        self.codes: dict[Code, str] = {
            Code(value, scheme, value): target for (scheme, value), target in codes.items()
        }
        # `inbox file`: a person chose the patient (--mrn: no name check) and files a report
        # whose UID was filed before with other content (`refile`)
        self.check_names = True
        self.refile = False
        self.mrn_chosen = False  # the PatientID is the person's --mrn: not the machine's
        self.serial_checked = False  # another DeviceSerialNumber: a person checked it

    def plan(self, name: str, dataset: Dataset) -> Planned:
        """The scan one SR makes; InputError with lines `NAME: field: problem` if none."""
        plans, problems = self.plan_all([(name, dataset)])
        if problems:
            raise InputError(problems)
        return plans[0]

    def plan_all(self, reports: Iterable[Reading]) -> tuple[list[Planned], list[Problem]]:
        """The scans these SRs make, and every refusal (`NAME: field: problem`).

        Each report is mapped first; then their patients are read in one query (by
        PatientID = MRN exactly, never created) and each scan is checked against its own.
        """
        from cervix_watch.interop.dicom_sr import (
            SrError,
            captured_warnings,
            content_of,
            warning_line,
        )
        from cervix_watch.interop.scanner_sr import with_scanner
        from cervix_watch.store.worklist import any_issued

        mapped: list[tuple[str, SrContent, SrScan]] = []
        names: dict[str, str] = {}  # each report's PatientName, compared, never printed
        # no route (and a voided scan's report): said with the report's other problems
        unrouted: dict[str, list[Problem]] = {}
        problems: list[Problem] = []
        # A report names one of our worklist steps only if it was issued before the report
        # was made (the scanner asked first): without any, no report is looked up (issue 25.6).
        steps_issued = any_issued(self.store)
        # The reader's warnings become one line of ours per report. A report is read as the
        # loop takes it (`reports` may be lazy), so each is counted from the end of the last.
        with captured_warnings() as caught:
            for name, dataset in reports:
                try:
                    if isinstance(dataset, SrError):
                        raise dataset
                    content = content_of(dataset)
                    if self.scanner is not None:
                        content = with_scanner(
                            content, dataset, self.scanner, self.mrn_chosen, self.serial_checked
                        )
                    if steps_issued and not self.mrn_chosen:
                        content = self._worklist_patient(dataset, content)
                    sr, unrouted[name] = self._routed(content, name)
                    mapped.append((name, content, sr))
                    names[name] = str(dataset.get("PatientName", "") or "")
                    if caught:
                        sr.warnings.append(warning_line(caught))
                except SrError as refused:
                    problems.append(_refusal(name, refused.problem))
                caught.clear()
        patients = self.store.patients_named([c.patient_id for _, c, _ in mapped])
        plans: list[Planned] = []
        for name, content, sr in mapped:
            found = list(unrouted[name])
            try:
                patient = patients.get(content.patient_id)
                self._check_name(name, names.get(name, ""), patient)
                plan = self._finish(name, content, sr, patient)
            except InputError as refused:
                found.extend(refused.problems)
            else:
                if not found:
                    plans.append(plan)
            problems.extend(found)
        return plans, problems

    def _routed(self, content: SrContent, name: str) -> tuple[SrScan, list[Problem]]:
        """The report's scan values, and the refusal of its route if it has none.

        A report without a usable route is still checked against its patient, so that all
        a person must resolve is said at once (issue 23: a report held for its route alone
        must not then be filed to an unmatched PatientID). One filed before (a person gave
        its route, `import sr --route` or `inbox file --route`) takes that scan's route, so
        the same report again is "already present", not held for a route. A voided scan
        lends no route (it may have been voided for it): its report is refused for its
        route and as a voided scan's (`_voided`), unless a person files it (`refile`)."""
        from cervix_watch.domain.enums import Route
        from cervix_watch.domain.uids import source_of
        from cervix_watch.interop.dicom_sr import SrError
        from cervix_watch.interop.sr_scan import scan_from
        from cervix_watch.store.inbox import filed_scans

        try:
            return scan_from(content, name, *self._mapping), []
        except SrError as refused:
            if refused.problem.field != "route":
                raise
            problems = [_refusal(name, refused.problem)]
        route, operator, codes, _ = self._mapping
        earlier = filed_scans(self.store, source_of(content.sop_instance_uid))
        live = [filed.scan for filed in earlier if not filed.voided]
        if route is None and live:
            before = live[-1]
            note = f"route {before.route.value} as filed before (scan {before.scan_id})"
            sr = scan_from(content, name, before.route, operator, codes, note)
            sr.route_given = False  # nothing given to this run stood in
            return sr, []
        if earlier and not self.refile:
            problems.append(_voided(earlier[-1].scan, name))
        # a stand-in only to go on checking: a report refused for its route is never planned
        stand_in = Route.TV if route is None else None
        return scan_from(content, name, stand_in, operator, codes), problems

    def _worklist_patient(self, dataset: Dataset, content: SrContent) -> SrContent:
        """A report naming one of our worklist steps is that step's patient's (interop.md
        "Modality Worklist"): her MRN stands for a PatientID that is no stored MRN; another
        patient's MRN is refused ("worklist": the worklist patient differs)."""
        from dataclasses import replace

        from cervix_watch.app.worklist import worklist_owner
        from cervix_watch.interop.dicom_sr import SrError

        owner = worklist_owner(self.store, dataset, content.patient_id)
        if owner is None or owner.mrn == content.patient_id:
            return content
        if owner.mrn is None:
            raise SrError("worklist", owner.held_reason or "the worklist patient differs")
        return replace(content, patient_id=owner.mrn)

    def _check_name(self, name: str, report_name: str, patient: Patient | None) -> None:
        """interop.md v3: the name on the report against the record's, where both exist; a
        mismatch is refused (held by the inbox) and neither name is printed."""
        from cervix_watch.interop.identity import names_match

        if not self.check_names or patient is None or not patient.name or not report_name:
            return
        if not names_match(report_name, patient.name):
            raise InputError(Problem("patient_name", NAME_DIFFERS, name))

    @property
    def _mapping(self) -> tuple[Route | None, str, dict[Code, str], str | None]:
        return self.route, self.operator, self.codes, self.route_note

    def _finish(
        self, name: str, content: SrContent, sr: SrScan, patient: Patient | None
    ) -> Planned:
        from cervix_watch.domain.models import Scan
        from cervix_watch.domain.problems import build
        from cervix_watch.interop.identity import masked_patient_id
        from cervix_watch.interop.sr_scan import check_against

        if patient is None:
            # A PatientID that is no MRN may be a name: never printed whole (interop.md v3)
            masked = masked_patient_id(content.patient_id)
            raise InputError(Problem("patient", f"no patient {masked}", name))
        check_against(patient, content, sr, self.ultrasound_edd_tolerance_days)
        try:
            record = build(Scan, {**sr.record_values(), "mrn": patient.mrn})
        except InputError as invalid:
            raise InputError([_refusal(name, p) for p in invalid.problems]) from None
        return Planned(name, sr, patient, record)

    def commit(self, plans: Sequence[Planned], dry_run: bool = False) -> Outcome:
        """Write every new scan in one transaction, or none; SRs already stored are skipped."""
        from cervix_watch.store.importer import import_records

        store = self.store
        outcome = Outcome()
        plans = self._resent(plans, outcome)
        new: list[Planned] = []
        seen: set[str] = set()
        for plan in plans:
            if plan.sr.source not in seen:
                seen.add(plan.sr.source)
                new.append(plan)
            else:
                outcome.present.append((plan, 0))  # the same SR twice in one run
        new = _corrected_reports(store.current_scans([p.record.mrn for p in new]), new, outcome)
        if not new:
            if not dry_run:
                self._close_inbox(outcome)
            return outcome
        lines: list[tuple[int, Record]] = [
            (number, plan.record) for number, plan in enumerate(new, start=1)
        ]
        try:
            result = import_records(
                store,
                "scans",
                [([], lines)],
                source="sr",
                who=self.who,
                today=self.today,
                dry_run=dry_run,
                keep_ids=True,
                inbox_filed=lambda ids: _filed(new, ids, outcome),
            )
        except InputError as refused:
            raise InputError(
                [_refusal(new[(p.line or 1) - 1].name, p) for p in refused.problems]
            ) from None
        for line, plan in enumerate(new, start=1):
            # the scan as stored: the planned record with the id the write gave it
            scan_id = result.ids.get(line)
            saved = plan.record.model_copy(update={"scan_id": scan_id}) if scan_id else plan.record
            outcome.added.append((plan, saved))
        return outcome

    def _resent(self, plans: Sequence[Planned], outcome: Outcome) -> list[Planned]:
        """The plans whose UID was not filed before. A UID filed before is "already present"
        when the scan it made has the same patient and values; with other content (another
        patient, another CL: a correction at the machine keeps the UID) it is refused,
        "received before with different content (scan N)", never dropped as present. With
        `refile` (`inbox file`) such a report is filed as a new scan. A voided scan is no
        earlier copy: a report whose scans were all voided (or whose twin was) is refused,
        "received before as a scan that was voided (scan N)", for a person to decide."""
        from cervix_watch.store.duplicates import same_examination
        from cervix_watch.store.inbox import filed_scans

        kept: list[Planned] = []
        problems: list[Problem] = []
        filed_before = self.store.scans_by_source([p.sr.source for p in plans])  # one query
        for plan in plans:
            if plan.sr.source not in filed_before:
                kept.append(plan)
                continue
            earlier = filed_scans(self.store, plan.sr.source)
            live = [filed.scan for filed in earlier if not filed.voided]
            # the same patient and values: a re-sent report that changes nothing
            twin = next((s for s in live if same_examination(s, plan.record)), None)
            voided_twin = next(
                (f.scan for f in earlier if f.voided and same_examination(f.scan, plan.record)),
                None,
            )
            if twin is not None:
                outcome.present.append((plan, twin.scan_id or 0))
            elif self.refile or not earlier:
                kept.append(plan)
            elif voided_twin is not None or not live:
                problems.append(_voided(voided_twin or earlier[-1].scan, plan.name))
            else:
                message = f"{RESENT} (scan {live[0].scan_id})"
                problems.append(Problem("resent", message, plan.name))
        if problems:
            raise InputError(problems)
        return kept

    def _close_inbox(self, outcome: Outcome) -> None:
        """Filing a UID by any path closes its held inbox row (interop.md v3)."""
        from cervix_watch.store.inbox import close_filed

        filed = [(plan.sr.uid, scan.scan_id) for plan, scan in outcome.added if scan.scan_id]
        filed += [(plan.sr.uid, scan_id) for plan, scan_id in outcome.present if scan_id]
        if filed:
            close_filed(self.store, filed, self.who)


def _voided(scan: Scan, name: str) -> Problem:
    """A report whose earlier scan was voided: a person decides (interop.md is silent; the
    safer reading holds it rather than call it "already present" or file it again)."""
    return Problem("resent", f"{RESENT_VOIDED} (scan {scan.scan_id})", name)


def _filed(new: Sequence[Planned], ids: dict[int, int], outcome: Outcome) -> list[tuple[str, int]]:
    """The (UID, scan id) each report of a run files: the new scans (`ids`: by line) and
    those already present; their held inbox rows are closed as the scans are written."""
    filed = [(plan.sr.uid, ids[line]) for line, plan in enumerate(new, 1) if line in ids]
    return filed + [(plan.sr.uid, scan_id) for plan, scan_id in outcome.present if scan_id]


def _corrected_reports(
    current: dict[str, list[Scan]], plans: list[Planned], outcome: Outcome
) -> list[Planned]:
    """The plans still to write: one with the values of a stored (or earlier planned) scan
    of that patient that day is already present; another that day is saved with a notice."""
    from cervix_watch.store.duplicates import same_examination

    kept: list[Planned] = []
    for plan in plans:
        scan = plan.record
        same_day = [s for s in current.setdefault(scan.mrn, []) if s.date == scan.date]
        twin = next((s for s in same_day if same_examination(s, scan)), None)
        if twin is not None:
            outcome.present.append((plan, twin.scan_id or 0))
            continue
        if same_day:
            ids = ", ".join(str(s.scan_id) for s in same_day if s.scan_id) or "from this run"
            plan.sr.warnings.append(
                f"scan: {scan.mrn} already has a scan on {scan.date} ({ids}) with other "
                "values: this report is saved as another scan that day"
            )
        current[scan.mrn].append(scan)
        kept.append(plan)
    return kept


# interop.md v3's reasons, as the inbox holds them (`app.intake`)
NAME_DIFFERS = "the name on the report differs from the record"
RESENT = "received before with different content"
RESENT_VOIDED = "received before as a scan that was voided"


__all__ = ["NAME_DIFFERS", "RESENT", "RESENT_VOIDED", "Outcome", "Planned", "SrImporter"]
