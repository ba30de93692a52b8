"""Scanner settings: `[scanners."AE"]` tables read, checked, and looked up by calling AE."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from cervix_watch.domain.enums import Route
from cervix_watch.domain.errors import InputError
from cervix_watch.scanners import (
    DEFAULT_CHARSET,
    Scanner,
    load_scanners,
    scanner_for,
    scanners_from,
)

PATH = Path("/etc/cw/config.toml")

FULL = """
[sr.codes]
"99ACME:FUNL-L" = "funnel_length_mm"

[scanners."US_ROOM1"]
hosts = ["10.1.2.3", "10.1.2.4"]
serial = "W1234567"
mrn_from = "PatientID"
mrn_pattern = "^H[0-9]{6}$"
charset = "ISO_IR 192"
single_probe = true
route = "tv"
worklist = true
[scanners."US_ROOM1".codes]
"99SMS:99005-07" = "cl"

[scanners." Aplio i800 "]
hosts = ["fd00::7"]
mrn_from = "OtherPatientIDsSequence: HOSP "
"""


def parsed(text: str) -> dict[str, Scanner]:
    return scanners_from(tomllib.loads(text), PATH)


def problem(text: str) -> str:
    """The one-line message a bad file gives."""
    with pytest.raises(InputError) as raised:
        parsed(text)
    [line] = raised.value.lines()
    return line


def test_every_setting_is_read() -> None:
    """A full table: each key becomes its checked value."""
    room1 = parsed(FULL)["US_ROOM1"]
    assert room1.hosts == ("10.1.2.3", "10.1.2.4")
    assert room1.serial == "W1234567"
    assert room1.mrn_issuer is None
    assert room1.mrn_allowed("H123456")
    assert room1.charset == "ISO_IR 192"
    assert (room1.single_probe, room1.route, room1.worklist) == (True, Route.TV, True)
    assert room1.codes == {("99SMS", "99005-07"): "cl"}
    assert room1.route_note() == "route tv from scanner settings US_ROOM1"


def test_defaults_of_a_table_with_hosts_only() -> None:
    """Only hosts is required: PatientID, no pattern, Latin-1, no route, no worklist."""
    [scanner] = parsed('[scanners."X"]\nhosts = ["127.0.0.1"]\n').values()
    assert scanner == Scanner(ae_title="X", hosts=("127.0.0.1",))
    assert scanner.charset == DEFAULT_CHARSET == "ISO_IR 100"
    assert scanner.route is None
    assert scanner.route_note() is None
    assert not scanner.worklist
    assert not scanner.single_probe
    assert scanner.mrn_allowed("anything")


def test_ae_titles_match_case_sensitively_with_padding_ignored() -> None:
    """The quoted title is trimmed; lookups trim the calling AE and keep its case."""
    scanners = parsed(FULL)
    assert list(scanners) == ["US_ROOM1", "Aplio i800"]
    assert scanner_for(scanners, "US_ROOM1        ") is scanners["US_ROOM1"]
    assert scanner_for(scanners, "  Aplio i800") is scanners["Aplio i800"]
    assert scanner_for(scanners, "us_room1") is None
    assert scanner_for(scanners, "Aplio") is None
    assert scanner_for({}, "US_ROOM1") is None


def test_mrn_from_another_issuers_id() -> None:
    """OtherPatientIDsSequence:<issuer> names the issuer (trimmed) whose id is the MRN."""
    assert parsed(FULL)["Aplio i800"].mrn_issuer == "HOSP"


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("10.1.2.3", True),
        ("10.1.2.4", True),
        ("::ffff:10.1.2.3", True),
        ("10.1.2.5", False),
        ("10.1.2.30", False),
        ("", False),
        ("scanner.local", False),
    ],
)
def test_hosts_are_the_addresses_allowed(address: str, allowed: bool) -> None:
    """An association's address must be one of hosts (an IPv4-mapped IPv6 one included)."""
    assert parsed(FULL)["US_ROOM1"].allows_host(address) is allowed


def test_ipv6_hosts_compare_as_addresses() -> None:
    """fd00::7 and fd00:0::7 are the same address."""
    assert parsed(FULL)["Aplio i800"].allows_host("fd00:0:0::7")
    assert not parsed(FULL)["Aplio i800"].allows_host("fd00::8")


@pytest.mark.parametrize(
    ("patient_id", "allowed"),
    [("H123456", True), ("H12345", False), ("H1234567", False), ("h123456", False)],
)
def test_mrn_pattern_must_match_the_whole_id(patient_id: str, allowed: bool) -> None:
    """mrn_pattern is matched against the whole PatientID, on both sides of its length."""
    assert parsed(FULL)["US_ROOM1"].mrn_allowed(patient_id) is allowed


def test_unanchored_pattern_still_matches_the_whole_id() -> None:
    """A pattern written without ^ and $ does not accept an id that only contains a match."""
    [scanner] = parsed('[scanners.X]\nhosts = ["10.0.0.1"]\nmrn_pattern = "H[0-9]+"\n').values()
    assert scanner.mrn_allowed("H12")
    assert not scanner.mrn_allowed("Jane H12")


def test_a_machines_codes_go_over_the_units() -> None:
    """codes_with: [sr.codes] plus the machine's own, the machine's winning on a clash."""
    room1 = parsed(FULL)["US_ROOM1"]
    unit = {("99ACME", "FUNL-L"): "funnel_length_mm", ("99SMS", "99005-07"): "funneling"}
    assert room1.codes_with(unit) == {
        ("99ACME", "FUNL-L"): "funnel_length_mm",
        ("99SMS", "99005-07"): "cl",
    }


def test_no_scanners_is_an_empty_table() -> None:
    """A file without [scanners] lists none."""
    assert parsed('db = "x"\n') == {}


ROOM = '[scanners."US_ROOM1"]\nhosts = ["10.1.2.3"]\n'


BAD = [
    ("scanners = 3\n", 'scanners: must be tables ([scanners."AE_TITLE"]), not a whole number'),
    ('[scanners]\nUS_ROOM1 = "x"\n', 'scanners."US_ROOM1": must be a table, not a string'),
    ('[scanners."US_ROOM1"]\nserial = "W1"\n', '"US_ROOM1".hosts: is required'),
    (ROOM.replace('["10.1.2.3"]', "[]"), '"US_ROOM1".hosts: must be a list of IP addresses'),
    (ROOM.replace('["10.1.2.3"]', '"10.1.2.3"'), '"US_ROOM1".hosts: must be a list of IP'),
    (
        ROOM.replace("10.1.2.3", "us1.local"),
        "\"US_ROOM1\".hosts: 'us1.local' is not an IP address",
    ),
    (ROOM.replace("10.1.2.3", "10.1.2.256"), "'10.1.2.256' is not an IP address"),
    (ROOM + 'hostz = ["1.2.3.4"]\n', '"US_ROOM1".hostz: unknown key (known: hosts, serial'),
    (ROOM + "serial = 7\n", '"US_ROOM1".serial: must be a non-empty string'),
    (ROOM + 'serial = " "\n', '"US_ROOM1".serial: must be a non-empty string'),
    (ROOM + f'serial = "{"9" * 65}"\n', "of at most 64 characters"),
    (ROOM + 'mrn_from = "PatientName"\n', '"US_ROOM1".mrn_from: must be "PatientID" or'),
    (ROOM + 'mrn_from = "OtherPatientIDsSequence:"\n', '"US_ROOM1".mrn_from: must be'),
    (ROOM + 'mrn_from = "OtherPatientIDsSequence"\n', '"US_ROOM1".mrn_from: must be'),
    (ROOM + 'mrn_pattern = "H[0-9"\n', '"US_ROOM1".mrn_pattern: is not a regular expression'),
    (ROOM + 'mrn_pattern = ""\n', '"US_ROOM1".mrn_pattern: must be a non-empty regular'),
    (ROOM + 'charset = "latin1"\n', "\"US_ROOM1\".charset: 'latin1' is not a DICOM Specific"),
    (ROOM + "charset = 100\n", '"US_ROOM1".charset: 100 is not a DICOM Specific'),
    (ROOM + 'route = "tv"\n', '"US_ROOM1".route: needs single_probe = true'),
    (ROOM + 'single_probe = false\nroute = "tv"\n', '"US_ROOM1".route: needs single_probe'),
    (ROOM + 'single_probe = true\nroute = "vaginal"\n', "'vaginal' is not one of \"tv\""),
    (ROOM + 'single_probe = "yes"\n', '"US_ROOM1".single_probe: must be true or false'),
    (ROOM + "worklist = 1\n", '"US_ROOM1".worklist: must be true or false, not a whole'),
    (ROOM + "codes = 3\n", 'scanners."US_ROOM1".codes: must be a table'),
    (
        ROOM + '[scanners."US_ROOM1".codes]\n"99SMS" = "cl"\n',
        '[scanners."US_ROOM1".codes] key \'99SMS\' is not "SCHEME:VALUE"',
    ),
    (
        ROOM + '[scanners."US_ROOM1".codes]\n"99SMS:1" = "length"\n',
        "'99SMS:1' = 'length' is not one of cl, funnel_length_mm",
    ),
    (
        '[scanners."TOO_LONG_AE_TITLE_"]\nhosts = ["10.1.2.3"]\n',
        'scanners."TOO_LONG_AE_TITLE_": is not an AE title',
    ),
    ('[scanners."A\\\\B"]\nhosts = ["10.1.2.3"]\n', "is not an AE title"),
    ('[scanners."  "]\nhosts = ["10.1.2.3"]\n', "is not an AE title"),
    (
        ROOM + '[scanners." US_ROOM1"]\nhosts = ["10.1.2.4"]\n',
        "the AE title 'US_ROOM1' is listed twice",
    ),
]


@pytest.mark.parametrize(("text", "fragment"), BAD, ids=[f"bad-{i}" for i in range(len(BAD))])
def test_a_bad_scanner_setting_is_one_line_naming_the_key(text: str, fragment: str) -> None:
    """Every bad value is one line naming the file and the scanner's key."""
    line = problem(text)
    assert line.startswith(f"config: {PATH}: "), line
    assert "scanners" in line.split(": ")[2], line
    assert fragment in line, line
    assert "\n" not in line


@pytest.mark.parametrize("title", ["A", "SIXTEEN_CHARS_AE", "US ROOM 1", "a-b.c"])
def test_ae_titles_of_one_to_sixteen_printable_characters(title: str) -> None:
    """The other side of the AE-title bound: 1 and 16 characters, spaces inside, any case."""
    assert list(parsed(f'[scanners."{title}"]\nhosts = ["10.1.2.3"]\n')) == [title]


@pytest.mark.parametrize("route", ["tv", "ta", "tp", "TV"])
def test_every_route_with_single_probe(route: str) -> None:
    """route takes tv, ta or tp (any case) when single_probe = true."""
    text = ROOM + f'single_probe = true\nroute = "{route}"\n'
    assert parsed(text)["US_ROOM1"].route == Route(route.lower())


def test_load_scanners_reads_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """load_scanners reads the file $CERVIX_WATCH_CONFIG names."""
    config = tmp_path / "config.toml"
    config.write_text(FULL, encoding="utf-8")
    config.chmod(0o600)
    monkeypatch.setenv("CERVIX_WATCH_CONFIG", str(config))
    assert list(load_scanners()) == ["US_ROOM1", "Aplio i800"]
