"""`inbox`, `inbox show` and `inbox reject` through the CLI: masked ids, audit, exit codes."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from jsonschema import Draft202012Validator
from tests.conftest import REPO, Cli

from cervix_watch.store import inbox, tables
from cervix_watch.store.store import Store

AT = datetime(2026, 12, 1, 9, 30)
NAME_AS_ID = "Quillfeather Zyxandra"  # a name typed as the PatientID: never listed whole


def _hold(db_url: str, uid: str, patient_id: str, reason: str, **change: object) -> int:
    values: dict[str, object] = {
        "received_at": AT,
        "calling_ae": "US_ROOM1",
        "sop_instance_uid": uid,
        "study_instance_uid": "1.2.3",
        "study_date": date(2026, 11, 30),
        "patient_id": patient_id,
        "data": f"bytes of {uid}".encode(),
        **change,
    }
    arrival = inbox.Arrival(**values)  # type: ignore[arg-type]
    return inbox.hold(Store.open(db_url), arrival, reason, "listen").entry.inbox_id


def test_an_empty_inbox_says_so(cli: Cli) -> None:
    """No held report: one line, exit 0."""
    result = cli("inbox")
    assert result.exit_code == 0, result.output
    assert "No scanner report waits in the inbox." in result.stdout


def test_the_listing_masks_an_unmatched_patient_id_and_shows_an_mrn(cli: Cli, db_url: str) -> None:
    """Newest first; a PatientID that is no stored MRN is masked, a stored MRN shown."""
    assert cli("patient", "add", "H100001", "--edd", "2027-03-14").exit_code == 0
    first = _hold(db_url, "1.1", NAME_AS_ID, "the PatientID matches no stored MRN")
    later = AT + timedelta(minutes=5)
    second = _hold(
        db_url,
        "1.2",
        "H100001",
        "the name on the report differs from the record",
        received_at=later,
        study_instance_uid="1.9",
    )
    result = cli("inbox", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    schema = json.loads((REPO / "docs/reference/json/inbox.schema.json").read_text())
    assert list(Draft202012Validator(schema).iter_errors(document)) == []
    rows = document["inbox"]
    assert [r["inbox_id"] for r in rows] == [second, first]
    assert rows[0]["patient"] == "H100001"
    assert rows[1]["patient"].startswith("(unmatched id, 21 chars, #")
    table = cli("inbox")
    assert table.exit_code == 0
    assert "Quillfeather" not in table.output
    assert "unmatched id" in table.stdout


def test_show_prints_the_patient_id_whole_and_is_audited(cli: Cli, db_url: str) -> None:
    """inbox show: the only place the PatientID is whole; an audit row names who saw it."""
    held = _hold(db_url, "1.1", NAME_AS_ID, "the PatientID matches no stored MRN")
    result = cli("inbox", "show", str(held), "--operator", "midwife")
    assert result.exit_code == 0, result.output
    assert f"PatientID: {NAME_AS_ID} (no stored MRN)" in result.stdout
    with Store.open(db_url).read() as conn:
        last = conn.execute(
            sa.select(tables.audit.c.action, tables.audit.c.who, tables.audit.c.changes)
            .order_by(tables.audit.c.audit_id.desc())
            .limit(1)
        ).one()
    assert (last.action, last.who) == ("show", "midwife")
    assert "Quillfeather" not in last.changes


def test_show_suggests_close_mrns(cli: Cli, db_url: str) -> None:
    """A PatientID one character off a stored MRN: the MRN is suggested, never chosen."""
    assert cli("patient", "add", "H100001", "--edd", "2027-03-14").exit_code == 0
    held = _hold(db_url, "1.1", "H10001", "the PatientID matches no stored MRN")
    result = cli("inbox", "show", str(held))
    assert "close MRNs: H100001 (file with --mrn MRN)" in result.stdout


def test_reject_keeps_the_report(cli: Cli, db_url: str) -> None:
    """inbox reject: gone from the listing, kept (listed by --all as rejected)."""
    held = _hold(db_url, "1.1", NAME_AS_ID, "why")
    result = cli("inbox", "reject", str(held), "--reason", "test image")
    assert result.exit_code == 0, result.output
    assert "No scanner report waits" in cli("inbox").stdout
    rows = json.loads(cli("inbox", "--all", "--format", "json").stdout)["inbox"]
    assert [(r["inbox_id"], r["state"]) for r in rows] == [(held, "rejected")]
    again = cli("inbox", "reject", str(held), "--reason", "again")
    assert again.exit_code == 1
    assert again.stderr.strip() == f"error: id: inbox report {held} was rejected"


def test_unknown_and_out_of_range_ids_are_one_line_errors(cli: Cli) -> None:
    """An id with no report, or outside 1-2147483647: exit 1, one line, no traceback."""
    for given in ("9", "0", "2147483648"):
        result = cli("inbox", "show", given)
        assert result.exit_code == 1, (given, result.output)
        assert len(result.stderr.strip().splitlines()) == 1
        assert result.stderr.startswith("error: ")


def test_all_counts_unmapped_codes_per_scanner(cli: Cli, db_url: str) -> None:
    """--all: the unmapped length codes of ignored reports, counted per scanner."""
    store = Store.open(db_url)
    for n in range(3):
        code = ("99SMS", "99005-07", "mm")
        inbox.add_receipt(store, AT, "US_ROOM1", f"1.{n}", "routine", [code], "listen")
    result = cli("inbox", "--all")
    assert "US_ROOM1 sent unmapped code 99SMS:99005-07 (mm) in 3 ignored reports" in result.stdout
    document = json.loads(cli("inbox", "--all", "--format", "json").stdout)
    assert document["unmapped"] == [
        {"calling_ae": "US_ROOM1", "code": "99SMS:99005-07", "unit": "mm", "reports": 3}
    ]


def test_review_and_due_say_how_many_reports_wait(cli: Cli, db_url: str) -> None:
    """review (its first line, and JSON "inbox_waiting") and due say how many wait."""
    assert cli("patient", "add", "H100001", "--edd", "2027-03-14").exit_code == 0
    empty = json.loads(cli("review", "--format", "json").stdout)
    assert empty["inbox_waiting"] == 0
    assert "wait in the inbox" not in cli("review").stdout
    for uid in ("1.1", "1.2", "1.3"):
        _hold(db_url, uid, NAME_AS_ID, "the PatientID matches no stored MRN")
    line = "3 scanner reports wait in the inbox: cervix-watch inbox"
    review = cli("review")
    assert review.exit_code == 0, review.output
    assert review.stdout.splitlines()[0] == line
    assert json.loads(cli("review", "--format", "json").stdout)["inbox_waiting"] == 3
    due = cli("due")
    assert due.exit_code == 0, due.output
    assert line in due.stdout
    assert "wait in the inbox" not in cli("due", "--format", "json").stdout
    inbox.reject(Store.open(db_url), 1, "test image", "midwife", AT)
    assert "2 scanner reports wait in the inbox" in cli("review").stdout


def test_the_table_shows_the_reports_of_one_study_as_a_group(cli: Cli, db_url: str) -> None:
    """Two held reports of study 1.2.3 and one of another: the table's "group" column (in
    place of "state": every row is held) gives the first id of the group on both rows of
    1.2.3, next to each other, and nothing for the lone one (interop.md: held reports
    sharing a StudyInstanceUID are shown as one group; failed before: only JSON said so)."""
    first = _hold(db_url, "1.1", "X1", "the PatientID matches no stored MRN")
    alone = _hold(
        db_url,
        "1.2",
        "X2",
        "the PatientID matches no stored MRN",
        received_at=AT + timedelta(minutes=1),
        study_instance_uid="1.9",
    )
    second = _hold(
        db_url,
        "1.3",
        "X1",
        "the PatientID matches no stored MRN",
        received_at=AT + timedelta(minutes=2),
    )
    result = cli("inbox", "--format", "json")
    groups = {r["inbox_id"]: r["group"] for r in json.loads(result.stdout)["inbox"]}
    assert groups == {second: first, first: first, alone: alone}
    table = cli("inbox")
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    header = next(line for line in lines if line.startswith("id "))
    assert " state" not in header
    at = header.index(" group") + 1
    cells = [(int(line.split()[0]), line[at:].strip()) for line in lines if line[:1].isdigit()]
    assert cells == [(second, str(first)), (first, str(first)), (alone, "")]
