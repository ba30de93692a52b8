"""The receiver catalogue (issue 24): what a hostile peer or setting did to `listen`, each
over 127.0.0.1 with bounded loops, with its status, its one line, and the database
unchanged where the report was refused.

- `--host ''` (an empty variable in a unit file) bound every interface: a usage error;
- a CL of 1e308, a sequence nested 3,000 deep: an internal error, now one line each;
- pydicom's warnings reached stderr raw: now one line of ours.
"""

from __future__ import annotations

import csv
import io
import socket
import subprocess
import time
import warnings
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pydicom
import pytest
import sr_fixtures as fx
from listener_harness import VERIFICATION, Listener, echo, send, start
from pydicom.dataset import Dataset
from pydicom.uid import DeflatedExplicitVRLittleEndian
from pynetdicom import AE
from pynetdicom.dsutils import encode
from test_catalogue_sr import nested, with_content
from tests.clirunner import CliRunner
from tests.conftest import dcmtk_tool, system_clock

from cervix_watch.cli.app import app
from cervix_watch.interop.receiver import MIB

pytestmark = [pytest.mark.slow, system_clock]

CANNOT_UNDERSTAND = 0xC000


def cli(db: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["--db", str(db), *args], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.stdout


def dated(dataset: Dataset, today: date) -> Dataset:
    """`dataset` with its dates moved so that the study is a week before `today` (the
    listener runs on the machine's clock and refuses a scan dated after it)."""
    shift = today - timedelta(days=7) - fx.STUDY_DATE
    for element in dataset.iterall():
        if element.VR == "DA" and element.value:
            day = datetime.strptime(str(element.value), "%Y%m%d").date() + shift
            element.value = day.strftime("%Y%m%d")
    return dataset


@pytest.fixture
def db(tmp_path: Path, system_today: date) -> Path:
    """A clinic with the fixtures' patient, her LMP moved as `dated` moves the reports."""
    path = tmp_path / "clinic.sqlite3"
    cli(path, "db", "init")
    lmp = fx.LMP + (system_today - timedelta(days=7) - fx.STUDY_DATE)
    cli(path, "patient", "add", fx.PATIENT_ID, "--lmp", lmp.isoformat(), "--operator", "setup")
    return path


@pytest.fixture
def listener(db: Path, tmp_path: Path) -> Iterator[Listener]:
    running = start(db, tmp_path, "--allow-ae", "TESTSCU")
    yield running
    running.stop()


def stored(db: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(cli(db, "export", "scans"))))


def stderr_lines(listener: Listener) -> list[str]:
    """What the listener wrote to stderr after its start-up line."""
    return [line for line in listener.stderr().splitlines()[1:] if line.strip()]


@pytest.mark.parametrize("host", ["", "  "], ids=["empty", "blank"])
def test_an_empty_host_is_a_usage_error(db: Path, host: str) -> None:
    """`--host ''` never binds every interface: exit 2, naming --host, nothing started."""
    before = db.read_bytes()
    result = CliRunner().invoke(app, ["--db", str(db), "listen", "--host", host])
    assert result.exit_code == 2, result.output
    assert "--host" in result.stderr
    assert "is empty" in result.stderr
    assert "Listening" not in result.output
    assert db.read_bytes() == before


def test_hostile_values_get_cannot_understand_and_one_line(
    listener: Listener, db: Path, system_today: date
) -> None:
    """1e308, 9.9e99 cm and NaN: 0xC000 and one line each; nothing saved, the receiver still
    answers, and no traceback or internal error."""
    values = [("1e308", "mm"), ("9.9e99", "cm"), ("NaN", "mm")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom's own check of NaN, on our side
        datasets = [dated(fx.ob_report(fx.cl(v, u)), system_today) for v, u in values]
    good = dated(fx.ob_report(fx.cl("30.0")), system_today)
    assert send(listener.port, [*datasets, good]) == [CANNOT_UNDERSTAND] * 3 + [0x0000]
    uids = [d.SOPInstanceUID for d in datasets]
    at = "(at OB-GYN Ultrasound Procedure Report > Pelvis and Uterus)"
    assert stderr_lines(listener) == [
        f"error: SR {uids[0]} from TESTSCU: cervix_length: 1E+308 mm is out of range for a "
        f"length {at}",
        f"error: SR {uids[1]} from TESTSCU: cervix_length: 9.9E+99 cm is out of range for a "
        f"length {at}",
        f"error: SR {uids[2]} from TESTSCU: cervix_length: 'NaN' is not a finite number",
    ]
    assert [s["cl1_mm"] for s in stored(db)] == ["30.0"]


def test_a_tree_nested_3000_deep_is_one_line(db: Path, tmp_path: Path) -> None:
    """A report nested 3,000 deep (sent by DCMTK's storescu: pydicom cannot even encode it)
    is refused with 0xC000 and one line, and the receiver answers the next one."""
    storescu = dcmtk_tool("storescu")
    running = start(db, tmp_path, "--allow-ae", "STORESCU", "--allow-ae", "TESTSCU")
    try:
        deep = with_content(tmp_path, "deep.dcm", nested(3000, "CONTAINER"))
        to = ["127.0.0.1", str(running.port)]
        sent = subprocess.run(
            [storescu, "-v", "-aet", "STORESCU", "-aec", "CERVIXWATCH", *to, str(deep)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert "Error: CannotUnderstand" in sent.stdout + sent.stderr, sent.stderr
        uid = pydicom.dcmread(deep, stop_before_pixels=True, defer_size=64).SOPInstanceUID
        assert stderr_lines(running) == [
            f"error: SR {uid} from STORESCU: file: sequences nested more than 72 deep: refused"
        ]
        assert echo(running.port) == 0x0000
    finally:
        running.stop()
    assert stored(db) == []


def test_reader_warnings_are_one_line_of_ours(
    listener: Listener, db: Path, system_today: date
) -> None:
    """An SR pydicom warns about (unknown character set) is saved with one warning line of
    ours; pydicom's own words never reach stderr."""
    report = dated(fx.ob_report(*fx.THREE_MM), system_today)
    report.SpecificCharacterSet = "ISO_IR 999"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pynetdicom's encoding of it warns here too
        assert send(listener.port, [report]) == [0x0000]
    uid = report.SOPInstanceUID
    assert stderr_lines(listener) == [
        f"warning: SR {uid} from TESTSCU: file: not valid DICOM in 1 place (read as far as "
        "possible; details not shown)"
    ]
    assert "ISO_IR" not in listener.stderr()
    assert len(stored(db)) == 1


# --- limits of the receiver (issue 24.5, 24.6, 24.7) ---------------------------------------

LIMIT = MIB  # `--max-dataset-mib 1`


def of_size(dataset: Dataset, size: int) -> Dataset:
    """`dataset` padded with a private OB element to exactly `size` bytes as sent (explicit
    VR little endian: the receiver accepts it first of those the sender proposes)."""
    dataset.add_new(0x00090010, "LO", "CERVIXTEST")
    dataset.add_new(0x00091000, "OB", b"")
    padding = size - len(encode(dataset, False, True))
    assert padding >= 0
    assert padding % 2 == 0
    dataset[0x00091000].value = b"\0" * padding
    assert len(encode(dataset, False, True)) == size
    return dataset


@pytest.fixture
def small(db: Path, tmp_path: Path) -> Iterator[Listener]:
    """`listen --max-dataset-mib 1`."""
    running = start(db, tmp_path, "--allow-ae", "TESTSCU", "--max-dataset-mib", "1")
    yield running
    running.stop()


def test_a_dataset_at_the_size_limit_is_received(
    small: Listener, db: Path, system_today: date
) -> None:
    """Exactly the limit: read and saved as any report."""
    report = of_size(dated(fx.ob_report(fx.cl("30.0")), system_today), LIMIT)
    assert send(small.port, [report]) == [0x0000]
    assert len(stored(db)) == 1
    assert stderr_lines(small) == []


def test_a_dataset_just_over_the_limit_is_cannot_understand(
    small: Listener, db: Path, system_today: date
) -> None:
    """Two bytes over, ending in the PDU that crossed the limit: 0xC000 and one line; nothing
    saved, and the association goes on (the next report is saved)."""
    over = of_size(dated(fx.ob_report(fx.cl("30.0")), system_today), LIMIT + 2)
    good = dated(fx.ob_report(fx.cl("31.0")), system_today)
    assert send(small.port, [over, good]) == [CANNOT_UNDERSTAND, 0x0000]
    assert stderr_lines(small) == [
        f"error: SR from TESTSCU: file: over the size limit ({LIMIT:,} bytes)"
    ]
    assert [s["cl1_mm"] for s in stored(db)] == ["31.0"]


def test_a_dataset_still_arriving_past_the_limit_is_aborted(
    small: Listener, db: Path, system_today: date
) -> None:
    """A 3 MiB dataset: aborted while it arrives (pynetdicom never holds it whole), one line
    naming the peer; nothing saved, and the receiver answers the next association."""
    big = of_size(dated(fx.ob_report(fx.cl("30.0")), system_today), 3 * LIMIT)
    assert send(small.port, [big]) == [None]
    assert stderr_lines(small) == [
        "warning: association from 127.0.0.1 (AE TESTSCU) aborted: a dataset over the size "
        "limit of 1 MiB"
    ]
    assert echo(small.port) == 0x0000
    assert stored(db) == []


def test_deflated_transfer_syntax_is_not_offered(listener: Listener, system_today: date) -> None:
    """A sender proposing only Deflated Explicit VR Little Endian gets no accepted context
    (an inflated bomb has no size limit in pydicom)."""
    ae = AE(ae_title="TESTSCU")
    ae.add_requested_context(fx.COMPREHENSIVE_SR, [DeflatedExplicitVRLittleEndian])
    ae.add_requested_context(VERIFICATION)
    assoc = ae.associate("127.0.0.1", listener.port, ae_title="CERVIXWATCH")
    assert assoc.is_established
    try:
        assert [cx.abstract_syntax for cx in assoc.accepted_contexts] == [VERIFICATION]
        with pytest.raises(ValueError, match="No presentation context"):
            assoc.send_c_store(dated(fx.ob_report(fx.cl("30.0")), system_today))
    finally:
        assoc.release()


def bare(port: int, source: str = "127.0.0.1") -> socket.socket:
    """A TCP connection that never sends an association request."""
    connection = socket.create_connection(
        ("127.0.0.1", port), timeout=5, source_address=(source, 0)
    )
    connection.settimeout(0.2)
    return connection


def closed(connection: socket.socket, within_s: float) -> bool:
    """Whether the receiver closes `connection` within `within_s` seconds (bounded wait)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            if connection.recv(16) == b"":
                return True
        except TimeoutError:
            continue
        except ConnectionResetError:
            return True
    return False


def echo_from(port: int, source: str) -> int | None:
    ae = AE(ae_title="TESTSCU")
    ae.add_requested_context(VERIFICATION)
    assoc = ae.associate("127.0.0.1", port, ae_title="CERVIXWATCH", bind_address=(source, 0))
    if not assoc.is_established:
        return None
    try:
        status = assoc.send_c_echo()
        return int(status.Status) if "Status" in status else None
    finally:
        assoc.release()


def wait_for(condition: Callable[[], bool], within_s: float = 10) -> bool:
    deadline = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_bare_connections_cannot_lock_the_scanners_out(listener: Listener) -> None:
    """Ten bare connects from one address: two are held (then dropped after the 10 s
    association timeout), eight refused at once; a scanner at another address is served
    all the while; a fourth address finds the 4 slots full; each refusal is one line."""
    held = [bare(listener.port) for _ in range(10)]
    try:
        assert sum(closed(c, 2) for c in held) == 8  # refused when made
        assert echo_from(listener.port, "127.0.0.2") == 0x0000  # the scanner, not locked out
        # wait until the scanner's association has closed, then fill the other two slots
        refused = "2 associations from that address open (at most 2)"
        assert wait_for(lambda: echo_from(listener.port, "127.0.0.3") == 0x0000)
        more = [bare(listener.port, "127.0.0.3"), bare(listener.port, "127.0.0.3")]
        held += more
        assert not any(closed(c, 1) for c in more)
        assert echo_from(listener.port, "127.0.0.4") is None  # 4 open: refused
        # the bare ones are dropped by the association timeout (10 s), and all is free again
        assert all(closed(c, 20) for c in held)
        assert wait_for(lambda: echo_from(listener.port, "127.0.0.4") == 0x0000)
    finally:
        for connection in held:
            connection.close()
    lines = stderr_lines(listener)
    assert lines.count(f"warning: connection from 127.0.0.1 refused: {refused}") == 8
    assert "warning: connection from 127.0.0.4 refused: 4 associations open (at most 4)" in lines
    timeout = "closed: no association request within 10 s"
    assert lines.count(f"warning: connection from 127.0.0.1 {timeout}") == 2
    assert lines.count(f"warning: connection from 127.0.0.3 {timeout}") == 2
    assert all(line.startswith("warning: connection from 127.0.0.") for line in lines)


def test_a_rejected_ae_is_logged_without_patient_data(listener: Listener) -> None:
    """A calling AE title not allowed is rejected and logged with its address and title."""
    assert echo(listener.port, ae_title="INTRUDER") is None
    assert stderr_lines(listener) == [
        "warning: association from 127.0.0.1 (AE INTRUDER) refused: calling AE not recognised"
    ]


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_a_database_deleted_or_replaced_under_the_receiver_is_refused(
    listener: Listener, db: Path, tmp_path: Path, system_today: date, how: str
) -> None:
    """Before each store the file is checked (device, inode): deleted or replaced, the SR gets
    0xA700 and one line, and nothing is written to the old file or the new one."""
    assert send(listener.port, [dated(fx.ob_report(fx.cl("30.0")), system_today)]) == [0x0000]
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    if how == "replaced":
        other = tmp_path / "other.sqlite3"
        cli(other, "db", "init")
        other.rename(db)
    before = db.read_bytes() if db.exists() else None
    report = dated(fx.ob_report(fx.cl("31.0")), system_today)
    assert send(listener.port, [report]) == [0xA700]
    assert stderr_lines(listener) == [
        f"error: SR {report.SOPInstanceUID} from TESTSCU: database: {db} was {how} since listen "
        "opened it: restart listen; nothing written"
    ]
    assert (db.read_bytes() if db.exists() else None) == before


def test_an_association_left_idle_is_aborted_with_one_line(listener: Listener) -> None:
    """A scanner that associates and then sends nothing: pynetdicom aborts it after the
    30 s network timeout, and `listen` now says so in one line of the form of its other
    aborts (it wrote nothing before), with the address and AE title, no patient."""
    requestor = AE(ae_title="TESTSCU")
    requestor.add_requested_context(VERIFICATION)
    assoc = requestor.associate("127.0.0.1", listener.port, ae_title="CERVIXWATCH")
    assert assoc.is_established
    assert assoc.send_c_echo().Status == 0
    idle_from = time.monotonic()
    while assoc.is_established and time.monotonic() - idle_from < 60:
        time.sleep(0.2)
    assert assoc.is_aborted
    assert time.monotonic() - idle_from >= 29
    line = "warning: association from 127.0.0.1 (AE TESTSCU) aborted: nothing received for 30 s"
    deadline = time.monotonic() + 10
    while line not in stderr_lines(listener) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert stderr_lines(listener) == [line]
