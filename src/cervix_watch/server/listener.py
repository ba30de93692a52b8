"""`listen`: a DICOM Storage SCP (pynetdicom) for the ultrasound machine's SRs, and C-ECHO.

Each received SR goes through `app.receive`, the path of `import sr`: filed, held in
the inbox or ignored (`app.intake`), in its own transaction, one at a time
(associations run in threads; a lock keeps the writes and the printed lines in order),
and is answered only after that transaction committed. A report not kept answers with
a DICOM failure status and one stderr line that names the SR by its SOP Instance UID,
never by the patient's name. What is printed goes through the `Sink` the command line passes in: the
server never imports the CLI.

What a peer may make it hold or wait for is bounded by `interop.receiver` (size,
associations, timeouts, the watchdog), which also logs refused connections; before each
write the SQLite file is checked to be the one opened (`DatabaseFile`).

The process runs for days, so nothing may rely on process exit: the store's
connections are pooled and closed on the way out, and the garbage collector
stays enabled throughout (`bulk.long_running`: the bulk helpers neither pause
nor freeze it in this process). SIGTERM (or Ctrl-C) stops it between reports: the
report being stored is committed and answered, no later one is taken (`_close`).
"""

from __future__ import annotations

import re
import signal
import threading
import warnings
from collections.abc import Callable, Mapping
from datetime import date
from types import FrameType
from typing import TYPE_CHECKING, Any, Protocol

from cervix_watch import bulk
from cervix_watch.app.clinic import default_profile
from cervix_watch.app.inbox import waiting as inbox_waiting
from cervix_watch.app.inbox import waiting_line
from cervix_watch.app.intake import Intake
from cervix_watch.app.receive import (
    CANNOT_UNDERSTAND,
    DOES_NOT_MATCH,
    OUT_OF_RESOURCES,
    SUCCESS,
    Received,
    class_mismatch,
    failure,
    receive,
    sr_name,
)
from cervix_watch.app.srimport import SrImporter
from cervix_watch.config import DEFAULT_RECEIPT_DAYS as RECEIPT_DAYS
from cervix_watch.config import DEFAULT_US_EDD_TOLERANCE_DAYS
from cervix_watch.domain.errors import InputError, Problem
from cervix_watch.domain.filenames import shown
from cervix_watch.interop.dicom_sr import (
    SR_CLASSES,
    apply_charset,
    captured_warnings,
    quiet_libraries,
    warning_line,
)
from cervix_watch.interop.receiver import (
    DatabaseFile,
    Guard,
    GuardedServer,
    Limits,
    new_ae,
    serve,
)
from cervix_watch.scanners import scanner_for

if TYPE_CHECKING:
    from cervix_watch.scanners import Scanner
    from cervix_watch.server.worklist import WorklistService
    from cervix_watch.store.store import Store

VERIFICATION = "1.2.840.10008.1.1"
# On SIGTERM, how long the associations open get to end by themselves (the report being
# stored is answered at once) before they are aborted.
STOP_GRACE_S = 2.0
_AE_TITLE = re.compile(r"[ -~]{1,16}")  # DICOM AE: 16 printable characters, no backslash


def check_ae_title(option: str, title: str) -> None:
    if not _AE_TITLE.fullmatch(title) or "\\" in title or not title.strip():
        raise InputError(
            Problem(option, f"{title!r} is not an AE title (1-16 printable characters)")
        )


class Sink(Protocol):
    """Where the server's lines go: notes and errors on stderr, and each SR's answer."""

    def note(self, message: str) -> None: ...

    def error(self, message: str) -> None: ...

    def received(self, received: Received) -> None:
        """Print the error lines and what was written (may read the store, so may fail)."""


class Listener:
    """One Storage SCP: accepts the SR classes and Verification, imports each SR received."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], date],
        sink: Sink,
        who: str,
        codes: Mapping[tuple[str, str], str],
        ae_title: str,
        allowed: list[str],
        limits: Limits,
        scanners: Mapping[str, Scanner] | None = None,
        worklist_days: int = 7,
        ultrasound_edd_tolerance_days: int = DEFAULT_US_EDD_TOLERANCE_DAYS,
        *,
        worklist_accession: str = "none",
        receipt_days: int = RECEIPT_DAYS,
    ) -> None:
        self.store, self.clock, self.sink, self.who = store, clock, sink, who
        self.ae_title, self.allowed = ae_title, allowed
        self.scanners, self.worklist_days = dict(scanners or {}), worklist_days
        self.worklist_accession, self.receipt_days = worklist_accession, receipt_days
        tolerance = ultrasound_edd_tolerance_days
        self.importer = SrImporter(
            store, clock(), who, None, who, codes, ultrasound_edd_tolerance_days=tolerance
        )
        # A listed machine's reports are read with its settings (route, codes, MRN, serial,
        # character set), and only from its `hosts`.
        self.importers = {
            title: SrImporter(
                store,
                clock(),
                who,
                None,
                who,
                codes,
                ultrasound_edd_tolerance_days=tolerance,
                scanner=scanner,
            )
            for title, scanner in self.scanners.items()
        }
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.closing = False  # set under the lock once stopping: no report taken after it
        admits = self._admits if self.scanners else None
        self.guard = Guard(limits, lambda line: sink.note(f"warning: {line}"), admits)
        self.database: DatabaseFile | None = None

    def _admits(self, calling_ae: str, address: str) -> bool:
        """A listed scanner's title only from its hosts; other titles as `allowed` says."""
        scanner = scanner_for(self.scanners, calling_ae)
        return scanner is None or scanner.allows_host(address)

    def serve(self, host: str, port: int) -> None:
        """Listen until Ctrl-C or SIGTERM, then close the server and the database cleanly."""
        from pynetdicom import evt

        bulk.long_running()
        quiet_libraries()  # their own log lines could quote a received report's values
        # A report's warnings are counted into our line (`on_store`); any other a library
        # raises in this process (another thread, outside a report) never reaches stderr raw.
        warnings.simplefilter("ignore")
        location = self.store.location  # opened (and migrated) before any SR
        path = location.path
        self.database = DatabaseFile.opened(path) if path is not None else None
        worklist = self._worklist()
        offered = [*SR_CLASSES, VERIFICATION, *([worklist.sop_class] if worklist else [])]
        ae = new_ae(self.ae_title, offered, self.allowed, self.guard.limits)
        handlers: list[Any] = [(evt.EVT_C_STORE, self.on_store), (evt.EVT_C_ECHO, self.on_echo)]
        if worklist is not None:
            handlers.append((evt.EVT_C_FIND, worklist.on_find))
        try:
            server = serve((host, port), ae, self.guard, handlers)
        except OSError as error:
            raise InputError(
                Problem("port", f"cannot listen on {host}:{port}: {error.strerror}")
            ) from None
        previous = signal.signal(signal.SIGTERM, self._on_signal)
        callers = ", ".join(self.allowed) or "any"
        self.sink.note(
            f"Listening as {self.ae_title} on {host}:{port}, calling AEs: {callers}; "
            f"database: {shown(location.describe())}; Ctrl-C stops."
        )
        if worklist is not None:
            self.sink.note(worklist.start_line())
        if waiting := waiting_line(inbox_waiting(self.store)):
            self.sink.note(waiting)
        if changed := default_profile(self.store)[1]:  # a built-in as an earlier release had it
            self.sink.note(f"warning: {changed}")
        try:
            while not self.stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            self._close(server)
        self.sink.note("Stopped.")

    def _close(self, server: GuardedServer) -> None:
        """Stop between reports: no new connection; the report being stored is committed
        and answered (it holds the lock); a later one is not taken (its association is
        aborted, `on_store`); associations still open after `STOP_GRACE_S` are aborted."""
        server.shutdown()
        with self.lock:
            self.closing = True
        self.guard.end_all(STOP_GRACE_S)
        self.store.close()

    def _worklist(self) -> WorklistService | None:
        """The Modality Worklist SCP, when a scanner has `worklist = true` (else off)."""
        from cervix_watch.server.worklist import WorklistService, worklist_scanners

        if not worklist_scanners(self.scanners):
            return None
        return WorklistService(
            self.store,
            self.clock,
            self.sink,
            self.who,
            self.scanners,
            self.worklist_days,
            self.lock,
            lambda: self.database.problem() if self.database is not None else None,
            self.worklist_accession,
        )

    def _on_signal(self, _number: int, _frame: FrameType | None) -> None:
        self.stop.set()

    def on_echo(self, _event: Any) -> int:
        return SUCCESS

    def on_store(self, event: Any) -> int:
        """Import one received SR; the status tells the machine whether it was taken.

        The reader's warnings are counted into one line of ours, never printed as they are
        (they quote values); the lock also keeps their capture to one SR at a time.
        """
        calling = str(event.assoc.requestor.ae_title).strip()
        if self.guard.oversized(event.assoc):  # checked before pynetdicom decodes it
            limit = self.guard.limits.max_dataset_bytes
            self.sink.error(
                f"SR from {shown(calling)}: file: over the size limit ({limit:,} bytes)"
            )
            return CANNOT_UNDERSTAND
        scanner = scanner_for(self.scanners, calling)
        importer = self.importers[scanner.ae_title] if scanner is not None else self.importer
        with self.lock, captured_warnings() as caught:
            if self.closing:  # SIGTERM or Ctrl-C: the machine sends it again to the next run
                self.sink.error(f"SR from {shown(calling)}: not taken: listen is stopping")
                event.assoc.abort(block=False)
                return OUT_OF_RESOURCES
            try:
                dataset = event.dataset
                dataset.file_meta = event.file_meta
                if scanner is not None:  # before anything reads its text
                    apply_charset(dataset, scanner.charset)
                name = sr_name(dataset, calling)
                data = event.encoded_dataset()  # the bytes as received, for the inbox
            except Exception:  # a dataset that cannot even be decoded
                self.sink.error(f"SR from {calling}: file: cannot be read whole")
                return CANNOT_UNDERSTAND
            mismatch = class_mismatch(dataset, str(event.context.abstract_syntax))
            if mismatch is not None:
                self.sink.error(f"{name}: {mismatch}; nothing written")
                return DOES_NOT_MATCH
            status = self._import(name, dataset, data, calling, importer)
            if caught:
                self.sink.note(f"warning: {name}: {warning_line(caught)}")
            return status

    def _import(
        self, name: str, dataset: Any, data: bytes, calling: str, importer: SrImporter
    ) -> int:
        # The receiver runs for days: "today" (no scan may be dated after it) is each SR's day.
        importer.today = self.clock()
        moved = self.database.problem() if self.database is not None else None
        if moved is not None:  # never write into a file deleted or replaced under us
            self.sink.error(f"{name}: database: {moved}; nothing written")
            return OUT_OF_RESOURCES
        # answered only after `receive` has committed what it filed, held or ignored
        intake = Intake(importer, self.receipt_days)
        received = receive(intake, name, dataset, data, calling, self.store.clock.now())
        try:
            self.sink.received(received)
        except Exception as failed:  # printing the saved scan reads the store: never stop
            refused = failure(name, failed)
            self.sink.received(refused)
            return refused.status
        return received.status
