"""Receive one SR from the ultrasound machine: the path of `import sr`, one transaction.

The answer is a value: the DICOM status the machine is sent, the error lines to show
(naming the SR by its SOP Instance UID, never by the patient's name) and what was
written, for the caller to print as `import sr` prints it. One SR never stops the
receiver: every failure becomes a status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cervix_watch.app.clinic import resolve_profile
from cervix_watch.domain.errors import DatabaseError, InputError, Problem
from cervix_watch.domain.filenames import shown

if TYPE_CHECKING:
    from datetime import datetime

    from pydicom.dataset import Dataset

    from cervix_watch.app.intake import Intake, Taken
    from cervix_watch.app.srimport import Outcome
    from cervix_watch.rules import Profile

SUCCESS = 0x0000
OUT_OF_RESOURCES = 0xA700  # the database could not be used: the machine may send again
DOES_NOT_MATCH = 0xA900  # dataset does not match SOP class (not an OB-GYN report)
CANNOT_UNDERSTAND = 0xC000  # anything else refused: no patient, no CL, no route, ...
# The refusals that say the dataset is not what an accepted SR class holds.
_NOT_MATCHING = frozenset({"sop_class", "report"})


@dataclass(frozen=True)
class Received:
    """The DICOM status to answer, the error lines (without `error: `) and, when the SR was
    taken, what was written and the profile whose flags the caller prints with it."""

    status: int
    errors: tuple[str, ...] = ()
    outcome: Outcome | None = None
    profile: Profile | None = None
    taken: Taken | None = None  # filed, present, held or ignored (`app.intake`)


def sr_name(dataset: Dataset, calling_ae: str) -> str:
    """How every line names a received SR: `SR <SOP Instance UID> from <calling AE>`."""
    uid = str(dataset.get("SOPInstanceUID", "")).strip() or "(no SOP Instance UID)"
    return f"SR {shown(uid)} from {shown(calling_ae)}"


def class_mismatch(dataset: Dataset, negotiated: str) -> str | None:
    """interop.md v3: `sop_class: ...` when the dataset's SOP Class UID is not the class
    negotiated for its presentation context (answered 0xA900, nothing written), else None."""
    from cervix_watch.interop.dicom_sr import SR_CLASSES

    sent = str(dataset.get("SOPClassUID", "") or "").strip()
    if sent == negotiated.strip():
        return None

    def named(uid: str) -> str:
        return f"{SR_CLASSES[uid]} ({uid})" if uid in SR_CLASSES else shown(uid or "none")

    return f"sop_class: {named(sent)} differs from the negotiated {named(negotiated.strip())}"


def receive(
    intake: Intake, name: str, dataset: Dataset, data: bytes, calling_ae: str, at: datetime
) -> Received:
    """Check `dataset` whole, then file, hold or ignore it (`app.intake`), after loading the
    clinic's default profile as it is now. Every outcome of the intake has committed when
    this returns, so it is answered Success; a report not kept gets a failure status."""
    from cervix_watch.interop.dicom_sr import SrError, check_whole

    try:
        try:
            check_whole(dataset)
        except (SrError, OSError, EOFError, ValueError, TypeError, KeyError) as error:
            message = (
                error.problem.message if isinstance(error, SrError) else "cannot be read whole"
            )
            raise InputError(Problem("file", message, name)) from None
        # the clinic's default profile as it is now, loaded before the scan is written
        profile = resolve_profile(intake.store, None)
        taken = intake.take(name, dataset, data, calling_ae, at)
    except Exception as failed:  # never let one SR stop the receiver
        return failure(name, failed)
    return Received(SUCCESS, outcome=taken.result, profile=profile, taken=taken)


def failure(name: str, failed: Exception) -> Received:
    """The status and lines of an SR that failed: refused input, the database, or a bug."""
    if isinstance(failed, InputError):
        fields = {p.field for p in failed.problems}
        status = DOES_NOT_MATCH if fields & _NOT_MATCHING else CANNOT_UNDERSTAND
        return Received(status, tuple(str(problem) for problem in failed.problems))
    if isinstance(failed, DatabaseError):
        return Received(OUT_OF_RESOURCES, (f"{name}: database: {failed}",))
    # The message may quote patient data: name only the kind of failure.
    return Received(
        CANNOT_UNDERSTAND, (f"{name}: internal error ({type(failed).__name__}); nothing written",)
    )


__all__ = [
    "CANNOT_UNDERSTAND",
    "DOES_NOT_MATCH",
    "OUT_OF_RESOURCES",
    "SUCCESS",
    "Received",
    "class_mismatch",
    "failure",
    "receive",
    "sr_name",
]
