"""One scanner report in: filed, held for a person, or ignored (interop.md version 3).

`listen` and `import sr --hold` take every well-formed report through `Intake.take`,
one transaction per outcome; the caller answers the scanner only after it returns
(0x0000 for each outcome here). In order:

1. *ignored* (a receipt only): not OB-GYN, or no place a cervix length could be
   (`interop.sr_triage`);
2. a UID already held or rejected: no new row, the receipt counted, different bytes kept
   as a new version (`store.inbox.hold`); a rejected one stays rejected;
3. the import's own checks (`SrImporter`: cervix length before route, the PatientID an
   MRN exactly, the name on the report, a UID filed before with other content, the
   pregnancy's dates): a refusal a person can resolve is *held* with its reason;
4. CompletionFlag PARTIAL is held;
5. otherwise *filed* (or "already present"; the importer closes its UID's held row).

A report that cannot be read whole, or is not an SR at all, is refused by raising the
importer's InputError (the caller answers 0xC000 / 0xA900); a database failure raises
DatabaseError (0xA700). No printing, no clock: `at` is the receipt's time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from cervix_watch.app.srimport import NAME_DIFFERS, RESENT, RESENT_VOIDED
from cervix_watch.domain.errors import InputError, Problem
from cervix_watch.interop import sr_triage
from cervix_watch.interop.scanner_sr import NO_MRN_ON_REPORT
from cervix_watch.store import inbox as stored

if TYPE_CHECKING:
    from pydicom.dataset import Dataset
    from pydicom.sr.coding import Code

    from cervix_watch.app.srimport import Outcome, SrImporter
    from cervix_watch.store.store import Store

FILE_IMPORT = "file import"  # the calling AE recorded for `import sr --hold`
NO_CL = "no recognised cervix length"
NO_ROUTE = "no beam path, and no route set for this scanner"
NO_MRN = "the PatientID matches no stored MRN"
PARTIAL = "the report is incomplete (CompletionFlag PARTIAL)"
# Refusals that mean the dataset is not a report we can keep: never held.
UNREADABLE = frozenset({"file", "sop_class", "report", "sop_instance_uid"})


@dataclass(frozen=True)
class Taken:
    """What became of one report: `filed`, `present`, `held` or `ignored`."""

    name: str  # the file, or `SR <UID> from <AE>`
    outcome: str
    reason: str = ""
    inbox_id: int | None = None
    state: str = ""  # held or rejected, for a report held before
    new_row: bool = False
    new_version: bool = False
    result: Outcome | None = None  # filed or present: what the importer did
    unmapped: tuple[sr_triage.UnmappedCode, ...] = ()


class Intake:
    """Takes reports in for one importer (its store, route, codes and operator)."""

    def __init__(self, importer: SrImporter, receipt_days: int = stored.RECEIPT_DAYS) -> None:
        self.importer, self.receipt_days = importer, receipt_days

    @property
    def store(self) -> Store:
        return self.importer.store

    @property
    def who(self) -> str:
        return self.importer.who

    @property
    def codes(self) -> Mapping[Code, str]:
        return self.importer.codes

    def unkeepable(self, reports: Sequence[tuple[str, Dataset]]) -> list[Problem]:
        """The refusals of reports that could be neither filed, held nor ignored (not an SR
        class, a root that is not a container, no valid SOP Instance UID, a value that is
        no length): `import sr --hold` checks every file first, so that such a file fails
        the run with nothing written."""
        from cervix_watch.interop.dicom_sr import SrError

        problems: list[Problem] = []
        for name, dataset in reports:
            try:
                if self._ignored(dataset) is not None:
                    continue
            except InputError as refused:
                problems += [Problem(p.field, p.message, name) for p in refused.problems]
                continue
            except SrError:
                pass  # left to the import's checks below
            _, found = self.importer.plan_all([(name, dataset)])
            problems += [p for p in found if self._one(p, dataset) is None]
        return problems

    def take(
        self, name: str, dataset: Dataset, data: bytes, calling_ae: str, at: datetime
    ) -> Taken:
        """File, hold or ignore one report (see the module's docstring)."""
        ignored = self._ignored(dataset)
        uid = str(dataset.get("SOPInstanceUID", "")).strip()
        if ignored is not None:
            stored.add_receipt(
                self.store,
                at,
                calling_ae,
                uid,
                ignored.reason,
                ignored.unmapped,
                self.who,
                self.receipt_days,
            )
            return Taken(name, "ignored", ignored.reason, unmapped=ignored.unmapped)
        scanner = self.importer.scanner
        arrival = _arrival(dataset, data, calling_ae, at, scanner.ae_title if scanner else None)
        if stored.open_entry(self.store, uid) is not None:
            return self._hold(name, arrival, "")
        plans, problems = self.importer.plan_all([(name, dataset)])
        if problems:
            return self._hold(name, arrival, self._reason(problems, dataset))
        if str(dataset.get("CompletionFlag", "")).strip().upper() == "PARTIAL":
            return self._hold(name, arrival, PARTIAL)
        try:
            result = self.importer.commit(plans)
        except InputError as refused:
            return self._hold(name, arrival, self._reason(refused.problems, dataset))
        return Taken(name, "filed" if result.added else "present", result=result)

    def _ignored(self, dataset: Dataset) -> sr_triage.Ignored | None:
        """The receipt's reason, or None; a report not to keep refused (InputError), and
        one whose other faults a person can resolve left to the import's checks."""
        from cervix_watch.interop.dicom_sr import SrError

        try:
            return sr_triage.ignored(dataset, self.codes)
        except SrError as refused:
            if refused.problem.field in UNREADABLE:
                raise InputError(refused.problem) from None
            return None

    def _hold(self, name: str, arrival: stored.Arrival, reason: str) -> Taken:
        held = stored.hold(self.store, arrival, reason, self.who)
        entry = held.entry
        return Taken(
            name,
            "held",
            entry.reason,
            entry.inbox_id,
            entry.state,
            held.new_row,
            held.new_version,
        )

    def _reason(self, problems: Sequence[Problem], dataset: Dataset) -> str:
        """The reasons a person reads, each once, in the order a person resolves them (no
        cervix length before no route, the route before the patient), joined by "; ";
        InputError when a refusal is not one a person can resolve (unreadable, no UID, not
        an SR, a value that is no length): such a report is not kept, and the scanner is
        told so."""
        reasons = [self._one(p, dataset) for p in problems]
        if any(reason is None for reason in reasons):
            raise InputError(list(problems))
        kept = sorted({r for r in reasons if r is not None}, key=lambda r: (_rank(r), r))
        return "; ".join(kept)

    def _one(self, problem: Problem, dataset: Dataset) -> str | None:
        """interop.md v3's held reasons; None for a refusal that is not one of them."""
        field, message = problem.field, problem.message
        if field == "cervix_length" and message.startswith("no cervix length"):
            return NO_CL + self._unmapped(dataset)
        if field == "route" and "no beam path" in message:
            return NO_ROUTE
        if field == "route" and "give --route" in message:
            return f"route: {message}"  # a beam path that is neither TV nor TA
        if field == "patient" and message.startswith(NO_MRN_ON_REPORT):  # mrn_from's place
            return message
        if field == "patient":  # no stored MRN, or not the scanner's mrn_pattern: masked
            return NO_MRN if _unmatched(message) else f"patient: {message}"
        if field == "serial":  # a listed scanner's report from another DeviceSerialNumber
            return f"serial: {message}"
        if field == "patient_name":
            return NAME_DIFFERS
        if field in ("resent", "worklist"):  # "... (scan N)", "the worklist patient differs"
            return message
        if field == "date":  # a closed pregnancy, a date outside it, no study date
            return f"date: {message}"
        return None

    def _unmapped(self, dataset: Dataset) -> str:
        from cervix_watch.interop.dicom_sr import content_of

        codes = sr_triage.unmapped_lengths(content_of(dataset), self.codes)
        return f" (unmapped: {sr_triage.unmapped_text(codes)})" if codes else ""


def _unmatched(message: str) -> bool:
    """Whether a `patient` refusal says the PatientID is no MRN (none stored, or not of the
    scanner's `mrn_pattern`)."""
    return message.startswith("no patient") or "is not an MRN (mrn_pattern" in message


_ORDER = (
    NO_CL,
    NO_ROUTE,
    NO_MRN,
    NO_MRN_ON_REPORT,
    NAME_DIFFERS,
    RESENT,
    RESENT_VOIDED,
    "the worklist patient",
    PARTIAL,
)


def _rank(reason: str) -> int:
    return next((i for i, start in enumerate(_ORDER) if reason.startswith(start)), len(_ORDER))


def _arrival(
    dataset: Dataset, data: bytes, calling_ae: str, at: datetime, scanner: str | None
) -> stored.Arrival:
    return stored.Arrival(
        received_at=at,
        calling_ae=calling_ae,
        sop_instance_uid=str(dataset.get("SOPInstanceUID", "")).strip(),
        study_instance_uid=str(dataset.get("StudyInstanceUID", "") or "").strip()[:100],
        study_date=_study_date(dataset),
        patient_id=str(dataset.get("PatientID", "") or ""),
        data=data,
        scanner=scanner,
    )


def _study_date(dataset: Dataset) -> date | None:
    text = str(dataset.get("StudyDate", "") or dataset.get("ContentDate", "") or "").strip()
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8])) if len(text) == 8 else None
    except ValueError:
        return None


__all__ = ["FILE_IMPORT", "NAME_DIFFERS", "NO_CL", "NO_MRN", "NO_ROUTE", "Intake", "Taken"]
