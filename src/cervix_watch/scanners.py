"""Scanner settings: one `[scanners."AE"]` table per ultrasound machine (interop.md, v3).

A table is keyed by the machine's calling AE title, quoted because AE titles may hold
spaces; titles match case-sensitively with surrounding spaces ignored (DICOM pads them).

    [scanners."US_ROOM1"]
    hosts = ["10.1.2.3"]          # required: associations from other addresses are rejected
    serial = "W1234567"           # a report from another DeviceSerialNumber is held
    mrn_from = "PatientID"        # or "OtherPatientIDsSequence:<issuer>"
    mrn_pattern = "^H[0-9]{6}$"   # a PatientID is an MRN only when it also matches this
    charset = "ISO_IR 100"        # decodes a report that has no (0008,0005)
    single_probe = true           # only with this may `route` be set
    route = "tv"                  # for reports without a beam path
    worklist = true               # answer this scanner's worklist queries
    [scanners."US_ROOM1".codes]   # as [sr.codes], for this machine only
    "99SMS:99005-07" = "cl"

`hosts` is required so that a listed title is never a password: a title is typed on
the machine and sent in clear, so anyone could send it; the address is the check.
`route` needs `single_probe = true` because a route nobody typed must be true of every
report the machine can send, and only a machine with one probe has one route.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cervix_watch.config import bad_value, code_table, toml_type
from cervix_watch.domain.enums import Route
from cervix_watch.domain.route_notes import settings_route_note

# Where the MRN is read: PatientID, or the OtherPatientIDsSequence item of one issuer.
MRN_FROM_PATIENT_ID = "PatientID"
MRN_FROM_OTHER_IDS = "OtherPatientIDsSequence"
# What pydicom assumes when a report has no Specific Character Set (0008,0005).
DEFAULT_CHARSET = "ISO_IR 100"
KEYS = (
    "hosts",
    "serial",
    "mrn_from",
    "mrn_pattern",
    "charset",
    "single_probe",
    "route",
    "worklist",
    "codes",
)
# DICOM AE title: 1-16 printable ASCII characters, no backslash (PS3.5 6.2).
_AE_TITLE = re.compile(r"[ -\[\]-~]{1,16}")
_MAX_TEXT = 64  # DeviceSerialNumber is LO (64 characters), as is an issuer of patient id


@dataclass(frozen=True, slots=True)
class Scanner:
    """One ultrasound machine's settings, checked. `codes` are its own private codes only
    (see `codes_with` for the table a report from it is read with)."""

    ae_title: str
    hosts: tuple[str, ...]
    serial: str | None = None
    mrn_from: str = MRN_FROM_PATIENT_ID
    mrn_pattern: re.Pattern[str] | None = None
    charset: str = DEFAULT_CHARSET
    single_probe: bool = False
    route: Route | None = None
    worklist: bool = False
    codes: Mapping[tuple[str, str], str] = field(default_factory=dict)

    def allows_host(self, address: str) -> bool:
        """Whether an association from `address` (the peer's IP address) may be this
        scanner's; an IPv4 address seen as IPv6 (`::ffff:10.1.2.3`) is the same address."""
        try:
            peer = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        if isinstance(peer, ipaddress.IPv6Address) and peer.ipv4_mapped is not None:
            peer = peer.ipv4_mapped
        return any(ipaddress.ip_address(host) == peer for host in self.hosts)

    @property
    def mrn_issuer(self) -> str | None:
        """The issuer whose OtherPatientIDsSequence item holds the MRN; None: PatientID."""
        scheme, _, issuer = self.mrn_from.partition(":")
        return issuer if scheme == MRN_FROM_OTHER_IDS else None

    def mrn_allowed(self, patient_id: str) -> bool:
        """Whether `patient_id` may be an MRN from this machine (its `mrn_pattern`, whole)."""
        return self.mrn_pattern is None or self.mrn_pattern.fullmatch(patient_id) is not None

    def route_note(self) -> str | None:
        """What a scan filed with this machine's route records in its note and audit row."""
        if self.route is None:
            return None
        return settings_route_note(self.route, self.ae_title)

    def codes_with(self, unit_codes: Mapping[tuple[str, str], str]) -> dict[tuple[str, str], str]:
        """The unit's `[sr.codes]` with this machine's `codes` over them."""
        return {**unit_codes, **self.codes}


def scanner_for(scanners: Mapping[str, Scanner], calling_ae: str) -> Scanner | None:
    """The settings of the machine calling as `calling_ae` (case-sensitive, padding ignored)."""
    return scanners.get(calling_ae.strip())


def scanners_from(raw: Mapping[str, Any], path: Path) -> dict[str, Scanner]:
    """Every `[scanners."AE"]` table of the file, in file order, checked; a bad one is one
    line naming the file and the key (`scanners."US_ROOM1".hosts: ...`)."""
    tables = raw.get("scanners", {})
    if not isinstance(tables, dict):
        example = '[scanners."AE_TITLE"]'
        raise bad_value(path, "scanners", f"must be tables ({example}), not {toml_type(tables)}")
    scanners: dict[str, Scanner] = {}
    for title, table in tables.items():
        scanner = _scanner(str(title), table, path)
        if scanner.ae_title in scanners:
            where = f'scanners."{title}"'
            raise bad_value(path, where, f"the AE title {scanner.ae_title!r} is listed twice")
        scanners[scanner.ae_title] = scanner
    return scanners


def _scanner(title: str, table: object, path: Path) -> Scanner:
    where = f'scanners."{title}"'
    ae_title = title.strip()
    if not _AE_TITLE.fullmatch(ae_title):
        raise bad_value(path, where, "is not an AE title (1-16 printable characters, no \\)")
    if not isinstance(table, dict):
        raise bad_value(path, where, f"must be a table, not {toml_type(table)}")
    for key in table:
        if key not in KEYS:
            raise bad_value(path, f"{where}.{key}", f"unknown key (known: {', '.join(KEYS)})")
    single_probe = _flag(table, "single_probe", where, path)
    return Scanner(
        ae_title=ae_title,
        hosts=_hosts(table, where, path),
        serial=_text(table, "serial", where, path),
        mrn_from=_mrn_from(table, where, path),
        mrn_pattern=_pattern(table, where, path),
        charset=_charset(table, where, path),
        single_probe=single_probe,
        route=_route(table, single_probe, where, path),
        worklist=_flag(table, "worklist", where, path),
        codes=code_table(table.get("codes", {}), path, f"{where}.codes"),
    )


def _hosts(table: dict[str, Any], where: str, path: Path) -> tuple[str, ...]:
    hosts = table.get("hosts")
    example = '(hosts = ["10.1.2.3"]: the addresses this machine sends from)'
    if hosts is None:
        raise bad_value(path, f"{where}.hosts", f"is required {example}")
    if not isinstance(hosts, list) or not hosts:
        raise bad_value(path, f"{where}.hosts", f"must be a list of IP addresses {example}")
    found: list[str] = []
    for host in hosts:
        try:
            found.append(str(ipaddress.ip_address(str(host).strip())))
        except ValueError:
            raise bad_value(
                path,
                f"{where}.hosts",
                f"{host!r} is not an IP address (the address the machine sends from)",
            ) from None
    return tuple(found)


def _text(table: dict[str, Any], key: str, where: str, path: Path) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > _MAX_TEXT:
        problem = f"must be a non-empty string of at most {_MAX_TEXT} characters"
        raise bad_value(path, f"{where}.{key}", problem)
    return value.strip()


def _flag(table: dict[str, Any], key: str, where: str, path: Path) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise bad_value(path, f"{where}.{key}", f"must be true or false, not {toml_type(value)}")
    return value


def _mrn_from(table: dict[str, Any], where: str, path: Path) -> str:
    value = _text(table, "mrn_from", where, path) or MRN_FROM_PATIENT_ID
    scheme, colon, issuer = value.partition(":")
    if value == MRN_FROM_PATIENT_ID or (scheme == MRN_FROM_OTHER_IDS and colon and issuer.strip()):
        return value if not colon else f"{scheme}:{issuer.strip()}"
    problem = f'must be "{MRN_FROM_PATIENT_ID}" or "{MRN_FROM_OTHER_IDS}:<issuer>", not {value!r}'
    raise bad_value(path, f"{where}.mrn_from", problem)


def _pattern(table: dict[str, Any], where: str, path: Path) -> re.Pattern[str] | None:
    text = table.get("mrn_pattern")
    if text is None:
        return None
    if not isinstance(text, str) or not text:
        raise bad_value(path, f"{where}.mrn_pattern", "must be a non-empty regular expression")
    try:
        return re.compile(text)
    except re.error as error:
        raise bad_value(
            path, f"{where}.mrn_pattern", f"is not a regular expression ({error})"
        ) from None


def _charset(table: dict[str, Any], where: str, path: Path) -> str:
    value = table.get("charset")
    if value is None:
        return DEFAULT_CHARSET
    known = _known_charsets()
    if not isinstance(value, str) or (known and value.strip() not in known):
        example = '"ISO_IR 100" (Latin-1) or "ISO_IR 192" (UTF-8)'
        problem = f"{value!r} is not a DICOM Specific Character Set, such as {example}"
        raise bad_value(path, f"{where}.charset", problem)
    return value.strip()


def _known_charsets() -> frozenset[str]:
    """The character sets pydicom decodes (empty without the interop extra: then nothing
    reads a report, so there is nothing to check against)."""
    try:
        from pydicom.charset import python_encoding
    except ImportError:  # pragma: no cover - the interop extra is installed in tests
        return frozenset()
    return frozenset(term for term in python_encoding if term)


def _route(table: dict[str, Any], single_probe: bool, where: str, path: Path) -> Route | None:
    value = table.get("route")
    if value is None:
        return None
    choices = ", ".join(f'"{r.value}"' for r in Route)
    if not isinstance(value, str) or value.strip().lower() not in {r.value for r in Route}:
        raise bad_value(path, f"{where}.route", f"{value!r} is not one of {choices}")
    if not single_probe:
        raise bad_value(
            path,
            f"{where}.route",
            "needs single_probe = true (a route from the settings must be true of every "
            "report the machine sends, so only a machine with one probe may have one)",
        )
    return Route(value.strip().lower())


def load_scanners(path: Path | None = None) -> dict[str, Scanner]:
    """The config file's scanners (`$CERVIX_WATCH_CONFIG` or the user's file), checked."""
    from cervix_watch.config import config_path, load

    path = path or config_path()
    return scanners_from(load(path), path)
