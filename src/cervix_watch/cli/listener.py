"""`listen`: a DICOM Storage SCP (pynetdicom) for the ultrasound machine's SRs, and C-ECHO.

Each received SR goes through `cli.srimport`, the path of `import sr`, in its
own transaction, one at a time (associations run in threads; a lock keeps the
writes and the printed lines in order). A refusal answers with a DICOM failure
status and one stderr line that names the SR by its SOP Instance UID, never by
the patient's name.

What a peer may make it hold or wait for is bounded by `interop.receiver` (size,
associations, timeouts, the watchdog), which also logs refused connections; before each
write the SQLite file is checked to be the one opened (`DatabaseFile`).

The process runs for days, so nothing may rely on process exit: the store's
connections are pooled and closed on the way out, and the garbage collector
stays enabled throughout (`bulk.long_running`: the bulk helpers neither pause
nor freeze it in this process).
"""

from __future__ import annotations

import re
import signal
import threading
import warnings
from collections.abc import Mapping
from datetime import date
from types import FrameType
from typing import Any

from cervix_watch import bulk
from cervix_watch.cli import clinic, context, output
from cervix_watch.cli.srimport import SrImporter, report
from cervix_watch.domain.errors import DatabaseError, InputError, Problem
from cervix_watch.domain.filenames import shown
from cervix_watch.interop.dicom_sr import (
    SR_CLASSES,
    SrError,
    captured_warnings,
    check_whole,
    quiet_libraries,
    warning_line,
)
from cervix_watch.interop.receiver import DatabaseFile, Guard, Limits, new_ae, serve

VERIFICATION = "1.2.840.10008.1.1"
SUCCESS = 0x0000
OUT_OF_RESOURCES = 0xA700  # the database could not be used: the machine may send again
DOES_NOT_MATCH = 0xA900  # dataset does not match SOP class (not an OB-GYN report)
CANNOT_UNDERSTAND = 0xC000  # anything else refused: no patient, no CL, no route, ...
# The refusals that say the dataset is not what an accepted SR class holds.
_NOT_MATCHING = frozenset({"sop_class", "report"})
_AE_TITLE = re.compile(r"[ -~]{1,16}")  # DICOM AE: 16 printable characters, no backslash


def check_ae_title(option: str, title: str) -> None:
    if not _AE_TITLE.fullmatch(title) or "\\" in title or not title.strip():
        raise InputError(
            Problem(option, f"{title!r} is not an AE title (1-16 printable characters)")
        )


class Listener:
    """One Storage SCP: accepts the SR classes and Verification, imports each SR received."""

    def __init__(
        self,
        state: context.State,
        who: str,
        codes: Mapping[tuple[str, str], str],
        ae_title: str,
        allowed: list[str],
        limits: Limits,
    ) -> None:
        self.state, self.ae_title, self.allowed = state, ae_title, allowed
        self.importer = SrImporter(state, who, None, who, codes)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.guard = Guard(limits, lambda line: output.note(f"warning: {line}"))
        self.database: DatabaseFile | None = None

    def serve(self, host: str, port: int) -> None:
        """Listen until Ctrl-C or SIGTERM, then close the server and the database cleanly."""
        from pynetdicom import evt

        bulk.long_running()
        quiet_libraries()  # their own log lines could quote a received report's values
        # A report's warnings are counted into our line (`on_store`); any other a library
        # raises in this process (another thread, outside a report) never reaches stderr raw.
        warnings.simplefilter("ignore")
        location = self.state.store().location  # opened (and migrated) before any SR
        path = location.path
        self.database = DatabaseFile.opened(path) if path is not None else None
        ae = new_ae(self.ae_title, [*SR_CLASSES, VERIFICATION], self.allowed, self.guard.limits)
        handlers: list[Any] = [(evt.EVT_C_STORE, self.on_store), (evt.EVT_C_ECHO, self.on_echo)]
        try:
            server = serve((host, port), ae, self.guard, handlers)
        except OSError as error:
            raise InputError(
                Problem("port", f"cannot listen on {host}:{port}: {error.strerror}")
            ) from None
        previous = signal.signal(signal.SIGTERM, self._on_signal)
        callers = ", ".join(self.allowed) or "any"
        output.note(
            f"Listening as {self.ae_title} on {host}:{port}, calling AEs: {callers}; "
            f"database: {shown(location.describe())}; Ctrl-C stops."
        )
        try:
            while not self.stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            server.shutdown()
            self.state.close()
        output.note("Stopped.")

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
            output.error(f"SR from {shown(calling)}: file: over the size limit ({limit:,} bytes)")
            return CANNOT_UNDERSTAND
        with self.lock, captured_warnings() as caught:
            try:
                dataset = event.dataset
                dataset.file_meta = event.file_meta
                uid = str(dataset.get("SOPInstanceUID", "")).strip() or "(no SOP Instance UID)"
            except Exception:  # a dataset that cannot even be decoded
                output.error(f"SR from {calling}: file: cannot be read whole")
                return CANNOT_UNDERSTAND
            name = f"SR {shown(uid)} from {shown(calling)}"
            status = self._import(name, dataset)
            if caught:
                output.note(f"warning: {name}: {warning_line(caught)}")
            return status

    def _import(self, name: str, dataset: Any) -> int:
        # The receiver runs for days: "today" (no scan may be dated after it) is each SR's day.
        self.state.today = date.today()
        moved = self.database.problem() if self.database is not None else None
        if moved is not None:  # never write into a file deleted or replaced under us
            output.error(f"{name}: database: {moved}; nothing written")
            return OUT_OF_RESOURCES
        try:
            try:
                check_whole(dataset)
            except (SrError, OSError, EOFError, ValueError, TypeError, KeyError) as error:
                message = (
                    error.problem.message if isinstance(error, SrError) else "cannot be read whole"
                )
                raise InputError(Problem("file", message, name)) from None
            plan = self.importer.plan(name, dataset)
            # the clinic's default profile as it is now, loaded before the scan is written
            profile = clinic.resolve_profile(self.state, None)
            outcome = self.importer.commit([plan])
            report(self.state, outcome, dry_run=False, profile=profile)
        except InputError as refused:
            for problem in refused.problems:
                output.error(str(problem))
            fields = {p.field for p in refused.problems}
            return DOES_NOT_MATCH if fields & _NOT_MATCHING else CANNOT_UNDERSTAND
        except DatabaseError as failed:
            output.error(f"{name}: database: {failed}")
            return OUT_OF_RESOURCES
        except Exception as unexpected:  # never let one SR stop the receiver
            # The message may quote patient data: name only the kind of failure.
            output.error(f"{name}: internal error ({type(unexpected).__name__}); nothing written")
            return CANNOT_UNDERSTAND
        return SUCCESS
