"""interop/receiver.py: the receiver's limits, in process over 127.0.0.1 (the `listen`
command's catalogue is tests/interop/test_catalogue_listen.py)."""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from listener_harness import VERIFICATION, free_port
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE, _config, evt

from cervix_watch.interop.receiver import (
    MIB,
    DatabaseFile,
    Guard,
    GuardedServer,
    Limits,
    dataset_fragments,
    new_ae,
    serve,
)

SR = "1.2.840.10008.5.1.4.1.1.88.33"


def test_the_defaults_are_the_specs() -> None:
    """interop.md "Limits of the receiver": 8 MiB, 4 associations, 2 per address, ACSE 10 s,
    DIMSE and network 30 s, a watchdog at 5 minutes."""
    limits = Limits()
    assert limits.max_dataset_bytes == 8 * MIB
    assert (limits.max_associations, limits.max_per_address) == (4, 2)
    assert (limits.acse_timeout_s, limits.dimse_timeout_s, limits.network_timeout_s) == (10, 30, 30)
    assert limits.max_age_s == 300


def test_the_ae_offers_only_the_plain_transfer_syntaxes_and_logs_no_identifiers() -> None:
    """No Deflated (nor big endian) in any context; the timeouts and cap set; pynetdicom's
    logging of query identifiers off."""
    ae = new_ae("CERVIXWATCH", [SR, VERIFICATION], ["US_ROOM1"], Limits(max_associations=3))
    for context in ae.supported_contexts:
        assert context.transfer_syntax == [ExplicitVRLittleEndian, ImplicitVRLittleEndian]
    assert (ae.maximum_associations, ae.acse_timeout, ae.dimse_timeout) == (3, 10, 30)
    assert ae.network_timeout == 30
    assert ae.require_calling_aet == ["US_ROOM1"]
    assert not _config.LOG_REQUEST_IDENTIFIERS
    assert not _config.LOG_RESPONSE_IDENTIFIERS


def pdv(data: bytes, *, command: bool = False, last: bool = False) -> bytes:
    control = (0x01 if command else 0) | (0x02 if last else 0)
    return struct.pack(">IBB", len(data) + 2, 1, control) + data


def p_data(*items: bytes) -> bytes:
    body = b"".join(items)
    return struct.pack(">BBI", 0x04, 0, len(body)) + body


@pytest.mark.parametrize(
    ("pdu", "fragments"),
    [
        (p_data(pdv(b"x" * 10)), [(10, False)]),
        (p_data(pdv(b"x" * 10, last=True)), [(10, True)]),
        (p_data(pdv(b"c" * 8, command=True, last=True), pdv(b"d" * 4)), [(4, False)]),
        (p_data(pdv(b""), pdv(b"dd", last=True)), [(0, False), (2, True)]),
        (b"\x01\x00" + b"\x00" * 10, []),  # an A-ASSOCIATE-RQ: no dataset in it
        (b"", []),
    ],
    ids=["fragment", "last", "command skipped", "two", "other PDU", "empty"],
)
def test_dataset_fragments_of_a_pdu(pdu: bytes, fragments: list[tuple[int, bool]]) -> None:
    """Only dataset fragments are counted, each with its last-fragment bit."""
    assert list(dataset_fragments(pdu)) == fragments


@pytest.fixture
def watched() -> Iterator[tuple[GuardedServer, list[str]]]:
    """A guarded server in this process whose watchdog aborts associations older than 2 s."""
    lines: list[str] = []
    limits = Limits(max_age_s=2, watchdog_every_s=0.1)
    guard = Guard(limits, lines.append)
    ae = new_ae("CERVIXWATCH", [VERIFICATION], [], limits)
    server = serve(("127.0.0.1", free_port()), ae, guard, [(evt.EVT_C_ECHO, lambda _: 0)])
    yield server, lines
    server.shutdown()


def test_the_watchdog_aborts_an_association_held_too_long(
    watched: tuple[GuardedServer, list[str]],
) -> None:
    """An association kept open is left alone while young and aborted once past its age,
    with one line naming the peer."""
    server, lines = watched
    ae = AE(ae_title="HOLDER")
    ae.add_requested_context(VERIFICATION)
    started = time.monotonic()  # before the receiver's clock of this association starts
    assoc = ae.associate("127.0.0.1", server.server_address[1], ae_title="CERVIXWATCH")
    assert assoc.is_established
    deadline = time.monotonic() + 10
    while assoc.is_established and time.monotonic() < deadline:
        time.sleep(0.1)
    assert assoc.is_aborted
    # left alone while below the 2 s limit (measured, so a loaded machine cannot fake it)
    assert time.monotonic() - started >= 2
    assert lines == ["association from 127.0.0.1 (AE HOLDER) aborted: open for more than 2 s"]


def test_the_database_file_identity(tmp_path: Path) -> None:
    """The same file is fine; deleted or replaced (a new inode at the path) it is named. The
    receiver's pooled connection holds the file open, as `held` does here, so its inode
    cannot be handed to a new file while it runs."""
    path = tmp_path / "clinic.sqlite3"
    path.write_bytes(b"one")
    opened = DatabaseFile.opened(path)
    with path.open("rb") as held:
        assert opened.problem() is None
        path.write_bytes(b"changed in place")  # the same file, written: still it
        assert opened.problem() is None
        path.unlink()
        assert opened.problem() == f"{path} was deleted since listen opened it: restart listen"
        (tmp_path / "other").write_bytes(b"other")
        (tmp_path / "other").rename(path)
        assert opened.problem() == f"{path} was replaced since listen opened it: restart listen"
        assert held.read() == b"changed in place"


@pytest.mark.parametrize(
    ("calling", "allowed"), [("US_ROOM1", False), ("US_ROOM2", True), ("OTHER", True)]
)
def test_a_calling_ae_from_an_address_it_is_not_admitted_from_is_rejected(
    calling: str, allowed: bool
) -> None:
    """`admits` (the scanners' hosts) says no: A-ASSOCIATE-RJ "calling AE not recognised"
    and one line naming the address and the title; says yes: the association goes on."""
    lines: list[str] = []
    hosts = {"US_ROOM1": ("10.9.9.9",), "US_ROOM2": ("127.0.0.1",)}

    def admits(title: str, address: str) -> bool:
        return title not in hosts or address in hosts[title]

    limits = Limits()
    guard = Guard(limits, lines.append, admits)
    ae = new_ae("CERVIXWATCH", [VERIFICATION], [], limits)
    server = serve(("127.0.0.1", free_port()), ae, guard, [(evt.EVT_C_ECHO, lambda _: 0)])
    try:
        requestor = AE(ae_title=calling)
        requestor.add_requested_context(VERIFICATION)
        assoc = requestor.associate("127.0.0.1", server.server_address[1], ae_title="CERVIXWATCH")
        assert assoc.is_established is allowed
        if allowed:
            assert assoc.send_c_echo().Status == 0
            assoc.release()
            assert lines == []
        else:
            assert assoc.is_rejected
            assert assoc.acceptor.primitive.diagnostic == 0x03
            assert lines == [
                "association from 127.0.0.1 (AE US_ROOM1) refused: calling AE not recognised "
                "from that address"
            ]
    finally:
        server.shutdown()


@pytest.fixture
def impatient() -> Iterator[tuple[GuardedServer, list[str]]]:
    """A guarded server in this process with a 1 s ACSE and a 2 s network timeout (the
    watchdog's 5 minutes are left as they are: it is not what closes an idle association)."""
    lines: list[str] = []
    limits = Limits(acse_timeout_s=1, network_timeout_s=2, watchdog_every_s=0.1)
    guard = Guard(limits, lines.append)
    ae = new_ae("CERVIXWATCH", [VERIFICATION], [], limits)
    server = serve(("127.0.0.1", free_port()), ae, guard, [(evt.EVT_C_ECHO, lambda _: 0)])
    yield server, lines
    server.shutdown()


def test_an_idle_association_is_aborted_after_the_network_timeout(
    impatient: tuple[GuardedServer, list[str]],
) -> None:
    """An association that goes on sending stays open past the timeout; once it sends
    nothing for `network_timeout_s`, the receiver aborts it (and frees its slot), with one
    line as for its other aborts (it wrote none before)."""
    server, lines = impatient
    ae = AE(ae_title="IDLER")
    ae.add_requested_context(VERIFICATION)
    assoc = ae.associate("127.0.0.1", server.server_address[1], ae_title="CERVIXWATCH")
    assert assoc.is_established
    for _ in range(5):  # 2.5 s in all, never 2 s idle (1.5 s to spare on a loaded machine)
        time.sleep(0.5)
        assert assoc.send_c_echo().Status == 0
    idle_from = time.monotonic()
    while assoc.is_established and time.monotonic() - idle_from < 10:
        time.sleep(0.05)
    assert assoc.is_aborted
    assert 1.9 <= time.monotonic() - idle_from < 6
    deadline = time.monotonic() + 5
    while (server.active_associations or not lines) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.active_associations == []
    assert lines == ["association from 127.0.0.1 (AE IDLER) aborted: nothing received for 2 s"]


def test_a_connection_that_sends_no_association_request_is_closed_after_the_acse_timeout(
    impatient: tuple[GuardedServer, list[str]],
) -> None:
    """A bare TCP connection is closed by the receiver after `acse_timeout_s`, with one line."""
    server, lines = impatient
    with socket.create_connection(("127.0.0.1", server.server_address[1])) as bare:
        bare.settimeout(10)
        opened = time.monotonic()
        assert bare.recv(1) == b""  # closed by the receiver, nothing sent
        assert 0.9 <= time.monotonic() - opened < 5
    deadline = time.monotonic() + 5
    while not lines and time.monotonic() < deadline:
        time.sleep(0.05)
    assert lines == ["connection from 127.0.0.1 closed: no association request within 1 s"]
