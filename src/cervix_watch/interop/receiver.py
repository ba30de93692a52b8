"""The receiver's limits against a hostile peer (interop.md "Limits of the receiver").

pynetdicom's defaults do not bound what a peer can make the receiver hold (issue 24):
a deflated dataset inflated 2,000-fold, ten bare TCP connects held every association
slot for 30 s, and a database file deleted under the receiver took reports into the
unlinked file. So:

- only Explicit and Implicit VR Little Endian are offered (no Deflated: an inflated bomb
  has no size limit in pydicom), so a dataset is as large as what arrives;
- what arrives is counted as it arrives (`EVT_DATA_RECV`, before pynetdicom keeps it): a
  dataset that ends within the PDU that crossed the size limit is answered 0xC000 by the
  store handler (`Guard.oversized`); one still arriving past the limit is aborted;
- at most `max_associations` at once, and `max_per_address` from one address (refused
  when the connection is made, `GuardedServer.verify_request`), a peer that sends no
  association request is dropped after `acse_timeout_s`, and a watchdog aborts any
  association older than `max_age_s`; pynetdicom aborts one idle for `network_timeout_s`
  (its reactor; `Guard.on_aborted` tells it by the idle timer and says so);
- a calling AE that a scanner's settings tie to its `hosts` is rejected from any other
  address (`Guard(admits=...)`, checked on `EVT_REQUESTED`, "calling AE not recognised");
- rejected AEs, refused connections and aborts are logged in one line each, naming the
  peer's address and AE title, never a patient;
- `DatabaseFile` tells whether the SQLite file is still the one opened (device, inode);
- on the way out, `Guard.end_all` gives the open associations a moment to end, then
  aborts them (the receiver stops between reports, not after the peer is done).

The caller (the `listen` command) supplies the handlers and prints the lines.
"""

from __future__ import annotations

import os
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE, _config, evt
from pynetdicom.transport import ThreadedAssociationServer

from cervix_watch.domain.filenames import shown
from cervix_watch.interop.dicom_sr import MAX_DATASET_BYTES

MIB = 1024 * 1024
TRANSFER_SYNTAXES = [ExplicitVRLittleEndian, ImplicitVRLittleEndian]
# A-ASSOCIATE-RJ (source, reason) as a person reads it (PS3.8 9.3.4).
_REJECTIONS = {
    (0x01, 0x03): "calling AE not recognised",
    (0x01, 0x07): "called AE not recognised",
    (0x03, 0x02): "too many associations",
}


@dataclass(frozen=True)
class Limits:
    """What one peer may make the receiver hold, with interop.md's defaults."""

    max_dataset_bytes: int = MAX_DATASET_BYTES
    max_associations: int = 4
    max_per_address: int = 2
    acse_timeout_s: float = 10
    dimse_timeout_s: float = 30
    network_timeout_s: float = 30
    max_age_s: float = 300
    watchdog_every_s: float = 1


def new_ae(ae_title: str, sop_classes: list[str], allowed: list[str], limits: Limits) -> AE:
    """The receiving AE: the classes offered in the two plain transfer syntaxes, timeouts
    and the association cap set, pynetdicom's logging of query identifiers off."""
    _config.LOG_REQUEST_IDENTIFIERS = False
    _config.LOG_RESPONSE_IDENTIFIERS = False
    ae = AE(ae_title=ae_title)
    for uid in sop_classes:
        ae.add_supported_context(uid, TRANSFER_SYNTAXES)
    # A report addressed to another receiver (a scanner set up for the PACS) is not ours
    # to file: A-ASSOCIATE-RJ "called AE not recognised", logged by `Guard.on_rejected`.
    ae.require_called_aet = True
    if allowed:
        ae.require_calling_aet = allowed
    ae.maximum_associations = limits.max_associations
    ae.acse_timeout = limits.acse_timeout_s
    ae.dimse_timeout = limits.dimse_timeout_s
    ae.network_timeout = limits.network_timeout_s
    return ae


def dataset_fragments(pdu: bytes) -> Iterator[tuple[int, bool]]:
    """(length, last) of each dataset fragment in a P-DATA-TF PDU (PS3.8 9.3.5): each
    presentation data value item is a 4-byte length, a context id and a control byte
    (bit 0 set: a command, not a dataset; bit 1 set: the message's last fragment)."""
    if pdu[:1] != b"\x04":
        return
    offset = 6
    while offset + 6 <= len(pdu):
        (length,) = struct.unpack_from(">I", pdu, offset)
        control = pdu[offset + 5]
        if not control & 0x01:
            yield max(length - 2, 0), bool(control & 0x02)
        offset += 4 + length


def peer(assoc: Any) -> str:
    """An association's peer for a log line: its address and, once known, its AE title."""
    requestor = assoc.requestor
    address = requestor.address or "?"
    title = str(requestor.ae_title or "").strip()
    return f"{address} (AE {shown(title)})" if title else str(address)


# Whether a calling AE title may associate from an address (the scanners' `hosts`).
Admits = Callable[[str, str], bool]


class Guard:
    """Counts what each association sends, watches how long it has been open, and rejects
    a calling AE from an address it is not `admits`-ed from."""

    def __init__(
        self, limits: Limits, log: Callable[[str], None], admits: Admits | None = None
    ) -> None:
        self.limits, self.log, self.admits = limits, log, admits
        self.lock = threading.Lock()
        self.received: dict[int, int] = {}  # dataset bytes of the message arriving
        self.over: set[int] = set()  # associations whose last dataset was over the limit
        self.opened: dict[int, tuple[float, Any]] = {}
        self.requested: set[int] = set()
        self.aborting: set[int] = set()
        self.stopped = threading.Event()

    def handlers(self) -> list[tuple[Any, Callable[[Any], None]]]:
        return [
            (evt.EVT_CONN_OPEN, self.on_open),
            (evt.EVT_REQUESTED, self.on_requested),
            (evt.EVT_DATA_RECV, self.on_data),
            (evt.EVT_REJECTED, self.on_rejected),
            (evt.EVT_CONN_CLOSE, self.on_close),
            (evt.EVT_ABORTED, self.on_aborted),
        ]

    def on_open(self, event: Any) -> None:
        with self.lock:
            self.opened[id(event.assoc)] = (time.monotonic(), event.assoc)

    def on_requested(self, event: Any) -> None:
        with self.lock:
            self.requested.add(id(event.assoc))
        if self.admits is None:
            return
        calling = str(event.assoc.requestor.primitive.calling_ae_title).strip()
        address = str(event.assoc.requestor.address)
        if not self.admits(calling, address):
            # pynetdicom's documented way: a reject sent from EVT_REQUESTED ends the
            # association before any negotiation (rejected permanent, service user); the
            # kill waits, as pynetdicom's own rejections do, until the A-ASSOCIATE-RJ is
            # out, before the server closes the socket
            why = "calling AE not recognised from that address"
            self.log(f"association from {address} (AE {shown(calling)}) refused: {why}")
            event.assoc.acse.send_reject(0x01, 0x01, 0x03)
            event.assoc.kill()

    def on_close(self, event: Any) -> None:
        key = id(event.assoc)
        with self.lock:
            self.opened.pop(key, None)
            self.received.pop(key, None)
            self.over.discard(key)
            self.aborting.discard(key)
            requested = key in self.requested
            self.requested.discard(key)
        if not requested:
            self.log(
                f"connection from {peer(event.assoc)} closed: no association request within "
                f"{self.limits.acse_timeout_s:g} s"
            )

    def on_aborted(self, event: Any) -> None:
        """One line when pynetdicom's reactor aborts an association itself because nothing
        arrived for `network_timeout_s` (`Association._run_reactor`: its idle timer ran out;
        no event says so). The other aborts (ours, and a peer's A-ABORT, which restarts
        that timer) are not this one."""
        if event.assoc.dul.idle_timer_expired():
            self.log(
                f"association from {peer(event.assoc)} aborted: nothing received for "
                f"{self.limits.network_timeout_s:g} s"
            )

    def on_rejected(self, event: Any) -> None:
        primitive = event.assoc.acceptor.primitive
        why = _REJECTIONS.get((primitive.result_source, primitive.diagnostic), "rejected")
        self.log(f"association from {peer(event.assoc)} refused: {why}")

    def on_data(self, event: Any) -> None:
        """Count each dataset fragment; abort a dataset still arriving past the limit."""
        key, limit = id(event.assoc), self.limits.max_dataset_bytes
        with self.lock:
            if key in self.aborting:
                return  # PDUs already on their way when the abort was asked for
            count = self.received.get(key, 0)
            for length, last in dataset_fragments(event.data):
                count += length
                if last:
                    if count > limit:
                        self.over.add(key)  # complete: the store handler answers 0xC000
                    count = 0
            self.received[key] = count
            if count > limit:
                self.aborting.add(key)
        if count > limit:
            self.log(
                f"association from {peer(event.assoc)} aborted: a dataset over the size "
                f"limit of {_size(limit)}"
            )
            event.assoc.abort(block=False)

    def oversized(self, assoc: Any) -> bool:
        """Whether the dataset just received on `assoc` was over the limit (asked once)."""
        with self.lock:
            key = id(assoc)
            found = key in self.over
            self.over.discard(key)
            return found

    def watch(self) -> None:
        """Abort every association open longer than `max_age_s`, until `stopped` is set."""
        while not self.stopped.wait(self.limits.watchdog_every_s):
            now = time.monotonic()
            with self.lock:
                old = [a for t, a in self.opened.values() if now - t > self.limits.max_age_s]
            for assoc in old:
                self.log(
                    f"association from {peer(assoc)} aborted: open for more than "
                    f"{self.limits.max_age_s:g} s"
                )
                with self.lock:
                    self.opened.pop(id(assoc), None)
                assoc.abort(block=False)

    def end_all(self, grace_s: float) -> None:
        """Wait up to `grace_s` for the open associations to end, then abort those left (the
        receiver is stopping), one line each."""
        deadline = time.monotonic() + grace_s
        while True:
            with self.lock:
                left = [assoc for _, assoc in self.opened.values()]
            if not left or time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        for assoc in left:
            self.log(f"association from {peer(assoc)} aborted: listen is stopping")
            assoc.abort(block=False)


def _size(count: int) -> str:
    return f"{count // MIB} MiB" if count % MIB == 0 else f"{count:,} bytes"


class GuardedServer(ThreadedAssociationServer):
    """pynetdicom's threaded server, refusing a connection over the caps when it is made."""

    def __init__(self, *args: Any, guard: Guard, **kwargs: Any) -> None:
        self.guard = guard
        self.connections: list[tuple[socket.socket, str]] = []
        super().__init__(*args, **kwargs)

    def verify_request(self, request: Any, client_address: Any) -> bool:
        """Called by the accepting thread for each connection, before any thread starts."""
        address = str(client_address[0])
        self.connections = [(s, a) for s, a in self.connections if s.fileno() != -1]
        same = sum(1 for _, a in self.connections if a == address)
        limits = self.guard.limits
        if same >= limits.max_per_address:
            why = f"{same} associations from that address open (at most {limits.max_per_address})"
        elif len(self.connections) >= limits.max_associations:
            why = f"{len(self.connections)} associations open (at most {limits.max_associations})"
        else:
            self.connections.append((request, address))
            return True
        self.guard.log(f"connection from {address} refused: {why}")
        return False

    def shutdown(self) -> None:
        """Stop serving and close the socket (this server is not one the AE started)."""
        self.guard.stopped.set()
        socketserver.BaseServer.shutdown(self)
        self.server_close()


def serve(address: tuple[str, int], ae: AE, guard: Guard, handlers: list[Any]) -> GuardedServer:
    """Start a guarded server for `ae` on `address` in a thread, and the guard's watchdog."""
    server = ae.make_server(
        address,
        evt_handlers=[*guard.handlers(), *handlers],
        server_class=GuardedServer,
        guard=guard,
    )
    assert isinstance(server, GuardedServer)
    threading.Thread(target=server.serve_forever, name="cervix-watch-server", daemon=True).start()
    threading.Thread(target=guard.watch, name="cervix-watch-watchdog", daemon=True).start()
    return server


@dataclass(frozen=True)
class DatabaseFile:
    """The SQLite file the receiver opened, by device and inode: a file deleted or replaced
    under a running receiver would otherwise take reports into the unlinked one."""

    path: Path
    device: int
    inode: int

    @classmethod
    def opened(cls, path: Path) -> DatabaseFile:
        found = os.stat(path)
        return cls(path, found.st_dev, found.st_ino)

    def problem(self) -> str | None:
        """None while `path` is still that file; else why it is not, in a few words."""
        try:
            found = os.stat(self.path)
        except FileNotFoundError:
            return f"{shown(self.path)} was deleted since listen opened it: restart listen"
        except OSError as error:
            return f"{shown(self.path)} cannot be checked ({error.strerror})"
        if (found.st_dev, found.st_ino) != (self.device, self.inode):
            return f"{shown(self.path)} was replaced since listen opened it: restart listen"
        return None


__all__ = [
    "MIB",
    "DatabaseFile",
    "Guard",
    "GuardedServer",
    "Limits",
    "dataset_fragments",
    "new_ae",
    "serve",
]
