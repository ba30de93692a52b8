"""`listen`'s Modality Worklist SCP: C-FIND answered for the scanners allowed to ask.

interop.md "Modality Worklist": only AEs listed in `[scanners]` with `worklist = true`,
from their `hosts`, are answered (anyone else gets 0x0124, refused: not authorised), and
without such a scanner the service is not offered at all: it would list the whole clinic
to anyone who can reach the port. The items come from `app.worklist`, the matching from
`interop.worklist` (pynetdicom does none). A query is computed under the listener's lock
(it may issue steps: a write), then answered outside it; a C-CANCEL ends the answers with
0xFE00. One line per query on stderr names the asker and the count, never a patient.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from cervix_watch.domain.errors import DatabaseError
from cervix_watch.domain.filenames import shown
from cervix_watch.interop.worklist import (
    CANCELLED,
    MODALITY_WORKLIST_FIND,
    UNABLE_TO_PROCESS,
    Answer,
    QueryError,
)

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

    from cervix_watch.scanners import Scanner
    from cervix_watch.store.store import Store

NOT_AUTHORISED = 0x0124  # Refused: not authorised (PS3.7 C.5)
OUT_OF_RESOURCES = 0xA700  # the database could not be used: the machine may ask again
Response = tuple[int, "Dataset | None"]


class Lines(Protocol):
    """Where the service's lines go (the listener's sink)."""

    def note(self, message: str) -> None: ...

    def error(self, message: str) -> None: ...


def worklist_scanners(scanners: Mapping[str, Scanner]) -> list[str]:
    """The AE titles whose worklist queries are answered; none: the service is off."""
    return [title for title, scanner in scanners.items() if scanner.worklist]


class WorklistService:
    """Answers C-FIND on the Modality Worklist Information Model for the listed scanners."""

    sop_class = MODALITY_WORKLIST_FIND

    def __init__(
        self,
        store: Store,
        clock: Callable[[], date],
        lines: Lines,
        who: str,
        scanners: Mapping[str, Scanner],
        days: int,
        lock: threading.Lock,
        database_problem: Callable[[], str | None] = lambda: None,
        accession: str = "none",
    ) -> None:
        self.store, self.clock, self.lines, self.who = store, clock, lines, who
        self.scanners, self.days, self.lock = scanners, days, lock
        self.database_problem, self.accession = database_problem, accession

    def start_line(self) -> str:
        """listen's start-up line of the worklist: who is answered, the look-ahead, and how
        many patients due cannot be offered."""
        titles = ", ".join(worklist_scanners(self.scanners))
        line = f"Worklist for {titles}: patients due within {self.days} days"
        missing = self.not_offered()
        if missing:
            who = "1 patient due" if missing == 1 else f"{missing} patients due"
            line += f"; {who} cannot be offered (no name, or \\ in the MRN)"
        return line + "."

    def not_offered(self) -> int:
        """Patients due today who cannot be offered (no stored name, `\\` in the MRN)."""
        from cervix_watch.app.clinic import resolve_profile
        from cervix_watch.app.worklist import not_offered

        today = self.clock()
        return not_offered(self.store, resolve_profile(self.store, None), today, self.days)

    def allowed(self, calling: str, address: str) -> bool:
        from cervix_watch.scanners import scanner_for

        scanner = scanner_for(self.scanners, calling)
        return scanner is not None and scanner.worklist and scanner.allows_host(address)

    def on_find(self, event: Any) -> Iterator[Response]:
        """The EVT_C_FIND handler: each match pending (FF00, or FF01 when a requested key
        is not supported), then pynetdicom's final success; a failure status alone."""
        calling = str(event.assoc.requestor.ae_title).strip()
        address = str(event.assoc.requestor.address or "")
        asker = f"worklist query from {shown(calling)} ({address})"
        if not self.allowed(calling, address):
            self.lines.note(f"warning: {asker} refused: not a worklist scanner from its hosts")
            yield NOT_AUTHORISED, None
            return
        status, found = self._answer(asker, calling, event)
        if found is None:
            yield status, None
            return
        self.lines.note(f"{asker}: {_items(len(found.identifiers))}")
        for identifier in found.identifiers:
            if event.is_cancelled:
                self.lines.note(f"{asker}: cancelled")
                yield CANCELLED, None
                return
            yield found.pending_status, identifier

    def _answer(self, asker: str, calling: str, event: Any) -> tuple[int, Answer | None]:
        from cervix_watch.app.clinic import resolve_profile
        from cervix_watch.app.worklist import Asker, worklist_items
        from cervix_watch.interop.worklist import answer

        with self.lock:
            try:
                query: Dataset = event.identifier
                moved = self.database_problem()
                if moved is not None:  # never write into a file deleted or replaced under us
                    self.lines.error(f"{asker}: database: {moved}")
                    return OUT_OF_RESOURCES, None
                today = self.clock()
                profile = resolve_profile(self.store, None)
                asking = Asker(calling, _patient_id(query))
                items = worklist_items(
                    self.store,
                    profile,
                    today,
                    asking,
                    days=self.days,
                    who=self.who,
                    accession=self.accession,
                )
                return 0, answer(query, items)
            except QueryError as bad:
                self.lines.error(f"{asker}: query: {bad}")
            except DatabaseError as failed:
                self.lines.error(f"{asker}: database: {failed}")
                return OUT_OF_RESOURCES, None
            except Exception as unexpected:  # never let one query stop the receiver
                # The message may quote patient data: name only the kind of failure.
                self.lines.error(f"{asker}: internal error ({type(unexpected).__name__})")
            return UNABLE_TO_PROCESS, None


def _patient_id(query: Dataset) -> str | None:
    value = query.get("PatientID")
    return None if value is None else str(value)


def _items(count: int) -> str:
    return f"{count} item" if count == 1 else f"{count} items"


__all__ = ["NOT_AUTHORISED", "WorklistService", "worklist_scanners"]
