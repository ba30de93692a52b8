"""The inbox's use cases: list, show, file, reject held scanner reports (interop.md v3).

A report that cannot be filed is held for a person, with its reason (`app.intake`).
Here: the listing (newest first; reports of one study together; the PatientID masked
unless it is a stored MRN), `show` (the one place an unmatched PatientID is shown
whole: the showing is audited), `reject` (kept, never deleted), `file_held` (filed as
a scan through `import sr`'s checks), how many wait, and the unmapped codes ignored
reports carried per scanner. No printing, no clock: `at` and `today` are passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from cervix_watch.app.srimport import NAME_DIFFERS
from cervix_watch.config import DEFAULT_US_EDD_TOLERANCE_DAYS
from cervix_watch.domain.errors import InputError, Problem
from cervix_watch.interop.identity import is_mrn, masked_patient_id, suggested_mrns
from cervix_watch.scanners import scanner_for
from cervix_watch.store import inbox as stored
from cervix_watch.store.inbox import Entry, UnmappedCount

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

    from cervix_watch.app.srimport import Outcome
    from cervix_watch.domain.enums import Route
    from cervix_watch.scanners import Scanner
    from cervix_watch.store.store import Store


@dataclass(frozen=True)
class Listed:
    """One row of `inbox`: the report, its patient as it may be shown, and its group (the
    first id of the held reports sharing its StudyInstanceUID)."""

    entry: Entry
    patient: str
    group: int
    group_size: int = 1  # how many held reports share its StudyInstanceUID

    @property
    def grouped(self) -> bool:
        """Whether it is one of several reports of one study (interop.md: shown as one group)."""
        return self.group_size > 1


@dataclass(frozen=True)
class Listing:
    rows: list[Listed]
    unmapped: list[UnmappedCount]  # `--all` only


@dataclass(frozen=True)
class Shown:
    """`inbox show`: the report with its PatientID whole, whether it is a stored MRN, and
    the stored MRNs closest to it (suggestions only: the person filing chooses)."""

    entry: Entry
    is_mrn: bool
    suggestions: list[str]


def shown_patient_id(patient_id: str, mrns: set[str]) -> str:
    """A PatientID as any output but `inbox show` may show it: whole when it is a stored
    MRN, else `(unmatched id, N chars, #abcd)`."""
    return patient_id if is_mrn(patient_id, mrns) else masked_patient_id(patient_id)


def listing(store: Store, include_all: bool = False) -> Listing:
    """The held reports, newest first, one study's reports together; `include_all` adds the
    filed and rejected ones and the unmapped codes of the ignored reports per scanner."""
    states = (stored.HELD, stored.FILED, stored.REJECTED) if include_all else (stored.HELD,)
    found = stored.entries(store, states)
    mrns = set(store.patients_named([e.patient_id for e in found]))
    groups: dict[str, list[Entry]] = {}
    for entry in found:
        key = entry.study_instance_uid or f"#{entry.inbox_id}"
        groups.setdefault(key, []).append(entry)
    rows = [
        Listed(
            entry,
            shown_patient_id(entry.patient_id, mrns),
            min(e.inbox_id for e in group),
            len(group),
        )
        for group in groups.values()
        for entry in group
    ]
    unmapped = stored.unmapped_counts(store) if include_all else []
    return Listing(rows, unmapped)


def show(store: Store, inbox_id: int, who: str) -> Shown:
    """The report whole, its showing audited (who saw the PatientID, not the PatientID)."""
    entry = stored.record_shown(store, inbox_id, who)
    mrns = [p.mrn for p, _ in store.list_patients()]
    stored_mrn = is_mrn(entry.patient_id, mrns)
    suggestions = [] if stored_mrn else suggested_mrns(entry.patient_id, mrns)
    return Shown(entry, stored_mrn, suggestions)


def reject(store: Store, inbox_id: int, reason: str, who: str, at: datetime) -> Entry:
    """Reject a held report, with the reason (kept, never deleted)."""
    if not reason.strip():
        raise InputError(Problem("reason", "give the reason the report is rejected"))
    return stored.reject(store, inbox_id, reason.strip(), who, at)


@dataclass(frozen=True)
class Filed:
    """`inbox file`: what the importer did (a scan added, or already present) and the row;
    no outcome when the row was filed before (already present as `entry.scan_id`)."""

    entry: Entry
    outcome: Outcome | None


def file_held(
    store: Store,
    inbox_id: int,
    *,
    today: date,
    who: str,
    mrn: str | None,
    route: Route | None,
    codes: Mapping[tuple[str, str], str],
    scanners: Mapping[str, Scanner] | None = None,
    ultrasound_edd_tolerance_days: int = DEFAULT_US_EDD_TOLERANCE_DAYS,
    name_differs_ok: bool = False,
    serial_differs_ok: bool = False,
) -> Filed:
    """File a held report as a scan: its stored bytes read again with the settings of this
    moment (`codes`, and the settings in `scanners` of the calling AE on its row: route,
    codes, charset, MRN), through the same checks, duplicate rules and audit as `import sr`.

    `mrn`: the person chose the patient (the report's PatientID, and where the scanner's
    settings read the MRN, are set aside). The name on the report is still compared with
    the record's (interop.md v3): a mismatch is refused unless `name_differs_ok`, and
    then the scan's note (so its audit row) says the person filed it so. A report from
    another serial than its scanner's settings name is refused, naming the option, unless
    `serial_differs_ok` (the person checked it is that machine's): the note says so. A UID filed
    before with other content is filed as a new scan (the person resolved it); with the
    same content it is "already present", as is a report filed before. The scan's note
    names the inbox id and who filed it; the inbox row is closed by the import (its audit
    row: the inbox id, the scan, the resolver).
    """
    from cervix_watch.app.srimport import SrImporter
    from cervix_watch.interop.scanner_sr import serial_differs  # pydicom: only to file

    entry = stored.entry(store, inbox_id)
    if entry.state == stored.REJECTED:
        raise InputError(Problem("id", f"inbox report {inbox_id} was rejected"))
    if entry.state == stored.FILED:  # filed twice: already present, never a second scan
        return Filed(entry, None)
    name = f"inbox report {inbox_id}"
    # the settings it was read with (`import sr --hold --scanner`), else its calling AE's
    scanner = scanner_for(scanners or {}, entry.scanner or entry.calling_ae)
    importer = SrImporter(
        store,
        today,
        who,
        route,
        who,
        codes,
        ultrasound_edd_tolerance_days=ultrasound_edd_tolerance_days,
        scanner=scanner,
    )
    importer.refile = True
    charset = scanner.charset if scanner is not None else None
    dataset = _read_held(stored.report_bytes(store, inbox_id), name, charset)
    if mrn is not None:
        dataset.PatientID = mrn.strip()
        importer.mrn_chosen = True
    importer.check_names = not name_differs_ok
    importer.serial_checked = serial_differs_ok
    plans, problems = importer.plan_all([(name, dataset)])
    if problems:
        raise InputError([_hint(p, str(dataset.PatientID)) for p in problems])
    [plan] = plans
    note = f"filed from the inbox (report {inbox_id}) by {who}"
    if _names_differ(dataset, plan.patient.name):
        note += f"; {NAME_DIFFERS}: filed with --name-differs-ok by {who}"
    other_serial = None if scanner is None else serial_differs(dataset, scanner)
    if other_serial is not None:
        note += f"; serial: {other_serial}: filed with --serial-differs-ok by {who}"
    notes = "; ".join(n for n in (plan.record.notes, note) if n)
    plan.record = plan.record.model_copy(update={"notes": notes})
    outcome = importer.commit([plan])  # closes the held rows of its UID, this one among them
    return Filed(stored.entry(store, inbox_id), outcome)


def _hint(problem: Problem, mrn: str) -> Problem:
    """A name or serial mismatch says how a person who has checked files it anyway; neither
    name is printed, only the MRN the report is being filed to."""
    if problem.field == "serial":
        message = f"{problem.message}: if it is from this machine, file it with --serial-differs-ok"
        return Problem(problem.field, message, problem.source)
    if problem.field != "patient_name":
        return problem
    message = f"{NAME_DIFFERS} of {mrn}: if the report is hers, file it with --name-differs-ok"
    return Problem(problem.field, message, problem.source)


def _names_differ(dataset: Dataset, stored_name: str) -> bool:
    from cervix_watch.interop.identity import names_match

    report_name = str(dataset.get("PatientName", "") or "")
    return bool(report_name and stored_name) and not names_match(report_name, stored_name)


def _read_held(data: bytes, name: str, charset: str | None) -> Dataset:
    """A held report's bytes as a dataset, checked whole as a file is (`read_file`)."""
    from io import BytesIO

    from pydicom import dcmread

    from cervix_watch.interop.dicom_sr import (
        SrError,
        apply_charset,
        check_whole,
        quiet_libraries,
    )

    quiet_libraries()
    try:
        dataset = dcmread(BytesIO(data))
        if charset is not None:  # the scanner's, before anything reads its text
            apply_charset(dataset, charset)
        check_whole(dataset)
    except SrError as refused:
        raise InputError(Problem(refused.problem.field, refused.problem.message, name)) from None
    except Exception:  # the bytes were read whole once: damaged since, say so in one line
        raise InputError(Problem("file", "the stored report cannot be read whole", name)) from None
    return dataset


def waiting(store: Store) -> int:
    """How many scanner reports wait in the inbox."""
    return stored.waiting(store)


def waiting_line(count: int) -> str | None:
    """ "3 scanner reports wait in the inbox: cervix-watch inbox", None when none waits."""
    if not count:
        return None
    reports = "1 scanner report waits" if count == 1 else f"{count} scanner reports wait"
    return f"{reports} in the inbox: cervix-watch inbox"


__all__ = [
    "Filed",
    "Listed",
    "Listing",
    "Shown",
    "file_held",
    "listing",
    "reject",
    "show",
    "shown_patient_id",
    "waiting",
    "waiting_line",
]
