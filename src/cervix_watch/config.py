"""The user's configuration file: `<user config dir>/cervix-watch/config.toml`.

On Linux `~/.config/cervix-watch/config.toml` (platformdirs; `$XDG_CONFIG_HOME`
moves it). A missing file is an empty configuration. Only what a command asks
for is read and checked, and a bad value is one line naming the file and key.

Keys (flags, then environment variables, then this file, then the defaults):
- `db`: the database, as `--db` takes it (after `$CERVIX_WATCH_DB`);
- `operator`: who the audit trail names (after `$CERVIX_WATCH_OPERATOR`);
- `format`: the default `--format` of every command that offers it (table, json, csv);
- `columns`: the terminal width for tables (after `$COLUMNS`);
- `worklist_days`: how many days ahead `listen`'s Modality Worklist offers the patients
  due (default 7);
- `worklist_accession`: what the worklist gives as AccessionNumber: `"none"` (empty, the
  default: the hospital's RIS owns accession numbers) or `"step"` (the step's id, CW<n>).
`$CERVIX_WATCH_CONFIG` names another file (a shared workstation profile, tests).

The file decides which database is written and whose name the audit trail carries, so,
as ssh does with its files, it is trusted only when nobody else could have written it:
owned by the user (or root) and not writable by group or others. Anything else stops
every command with one line naming the file and the fix (exit 2, a set-up error).
The file is UTF-8 TOML; a table key holding another type is named like any bad value.

Tables:
- `[sr.codes]`: the ultrasound machine's private codes for what the DICOM
  standard has no code for (funneling), or a private code for the cervix length
  (`cl`), as `"SCHEME:VALUE" = "field"`, e.g. `"99ACME:FUNL-L" = "funnel_length_mm"`
  (docs/connecting-the-scanner.md).
- `[sr] ultrasound_edd_tolerance_days`: how many days an "EDD from average ultrasound
  age" in a report may differ from the stored EDD without a warning (default 7).
- `[inbox] receipt_days`: how many days the receipts of ignored scanner reports are kept
  (default 90).
- `[fhir] mrn_system`: the identifier system of MRNs in `export fhir`
  (default `urn:cervix-watch:mrn`).
- `[scanners."AE"]`: one table per ultrasound machine, by its calling AE title
  (`scanners.py`: hosts, serial, MRN, character set, route, worklist, codes).
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cervix_watch.domain.errors import InputError, Problem, UsageError

# `[sr.codes]` targets: the scan fields a machine's private code may fill ("cl": the
# cervix length, for machines that send it under a private code instead of LOINC's).
SR_CODE_FIELDS = ("cl", "funnel_length_mm", "funnel_width_mm", "funneling")


CONFIG_ENV = "CERVIX_WATCH_CONFIG"
FORMATS = ("table", "json", "csv")
COLUMNS_RANGE = (40, 1000)
KEYS = (
    "db",
    "operator",
    "format",
    "columns",
    "worklist_days",
    "worklist_accession",
    "sr",
    "inbox",
    "fhir",
    "scanners",
)
# The tables and the keys each may hold.
TABLE_KEYS = {
    "sr": ("codes", "ultrasound_edd_tolerance_days"),
    "inbox": ("receipt_days",),
    "fhir": ("mrn_system",),
}
# interop.md v3: an "EDD from average ultrasound age" differs from the dating EDD by a few
# days at nearly every scan; up to this many days it gives no warning (`[sr]` may change
# it, within the range).
DEFAULT_US_EDD_TOLERANCE_DAYS = 7
US_EDD_TOLERANCE_RANGE = (0, 28)


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """`$CERVIX_WATCH_CONFIG`, else `<user config dir>/cervix-watch/config.toml`."""
    environ = os.environ if environ is None else environ
    if environ.get(CONFIG_ENV):
        return Path(environ[CONFIG_ENV]).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir()) / "cervix-watch" / "config.toml"


@dataclass(frozen=True, slots=True)
class UserSettings:
    """The file's top-level settings, checked; None where the file does not set one."""

    path: Path
    exists: bool
    db: str | None = None
    operator: str | None = None
    format: str | None = None
    columns: int | None = None


def user_settings(path: Path | None = None, raw: dict[str, Any] | None = None) -> UserSettings:
    """The top-level keys of the config file (`raw`, when the caller has read it); a bad
    one is one line naming the key."""
    path = path or config_path()
    raw = load(path) if raw is None else raw
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        known = ", ".join(KEYS)
        raise InputError(Problem("config", f"{path}: {unknown[0]}: unknown key (known: {known})"))
    for name in TABLE_KEYS:
        _section(raw, name, path)
    return UserSettings(
        path=path,
        exists=path.is_file(),
        db=_text(raw, "db", path),
        operator=_operator(raw, path),
        format=_choice(raw, "format", FORMATS, path),
        columns=_columns(raw, path),
    )


def bad_value(path: Path, key: str, problem: str) -> InputError:
    return InputError(Problem("config", f"{path}: {key}: {problem}"))


def _text(raw: dict[str, Any], key: str, path: Path) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise bad_value(path, key, "must be a non-empty string")
    return value.strip()


def _operator(raw: dict[str, Any], path: Path) -> str | None:
    from cervix_watch.domain.models import MAX_OPERATOR  # the audit `who` column's length

    name = _text(raw, "operator", path)
    if name is not None and (len(name) > MAX_OPERATOR or not all(c.isprintable() for c in name)):
        raise bad_value(path, "operator", f"must be at most {MAX_OPERATOR} printable characters")
    return name


def _choice(raw: dict[str, Any], key: str, choices: tuple[str, ...], path: Path) -> str | None:
    value = raw.get(key)
    if value is not None and value not in choices:
        raise bad_value(path, key, f"{value!r} is not one of {', '.join(choices)}")
    return value


def _columns(raw: dict[str, Any], path: Path) -> int | None:
    value = raw.get("columns")
    low, high = COLUMNS_RANGE
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise bad_value(path, "columns", f"must be a whole number from {low} to {high}")
    return value


def _section(raw: dict[str, Any], name: str, path: Path) -> dict[str, Any]:
    """The table `[name]` ({} when absent); another type, or a key it does not know, is
    one line naming it (`sr = "x"` is not `[sr]`)."""
    table = raw.get(name, {})
    if not isinstance(table, dict):
        example = f"[{name}.codes]" if name == "sr" else f"[{name}]"
        raise bad_value(path, name, f"must be a table ({example}), not {toml_type(table)}")
    allowed = TABLE_KEYS[name]
    for key in table:
        if key not in allowed:
            raise bad_value(path, f"{name}.{key}", f"unknown key (known: {', '.join(allowed)})")
    return table


def toml_type(value: object) -> str:
    """How a TOML value is called in a message: a string, a whole number, ..."""
    names = {str: "a string", bool: "true/false", int: "a whole number", float: "a number"}
    return names.get(type(value), "a list" if isinstance(value, list) else "a date or time")


def load(path: Path | None = None) -> dict[str, Any]:
    """The whole file as TOML tables; {} when there is none. A file someone else could have
    written is refused before it is read (`UsageError`, exit 2)."""
    path = path or config_path()
    content = _read_trusted(path)
    if content is None:
        return {}
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        where = f"byte 0x{content[error.start]:02x} at offset {error.start}"
        raise InputError(Problem("config", f"{path}: not UTF-8 text ({where})")) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(Problem("config", f"{path}: not valid TOML ({error})")) from None


def _read_trusted(path: Path) -> bytes | None:
    """The file's bytes, checked on the open file (no swap between check and read); None
    for no file, or for /dev/null (`CERVIX_WATCH_CONFIG=/dev/null`: no settings)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise InputError(Problem("config", f"{path}: cannot be read ({error.strerror})")) from None
    try:
        found = os.fstat(fd)
        if _is_devnull(found):
            return None
        _refuse_untrusted(path, found)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    except OSError as error:
        raise InputError(Problem("config", f"{path}: cannot be read ({error.strerror})")) from None
    finally:
        os.close(fd)


def _is_devnull(found: os.stat_result) -> bool:
    null = os.stat(os.devnull)
    return stat.S_ISCHR(found.st_mode) and found.st_rdev == null.st_rdev


def _refuse_untrusted(path: Path, found: os.stat_result) -> None:
    """As ssh does: the file must be the user's (or root's) and writable by no one else."""
    if not stat.S_ISREG(found.st_mode):
        raise UsageError(Problem("config", f"{path}: is not a regular file"))
    me = os.geteuid()
    if found.st_uid not in (me, 0):
        owner = _user_name(me)
        raise UsageError(
            Problem(
                "config",
                f"{path}: is owned by another user (uid {found.st_uid}), so it is not "
                f"trusted; fix with: chown {owner} {path}",
            )
        )
    if found.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        mode = stat.S_IMODE(found.st_mode)
        raise UsageError(
            Problem(
                "config",
                f"{path}: is writable by group or others (mode {mode:04o}), so it is not "
                f"trusted; fix with: chmod 600 {path}",
            )
        )


def _user_name(uid: int) -> str:
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


DEFAULT_WORKLIST_DAYS = 7
WORKLIST_DAYS_RANGE = (0, 365)


def worklist_days_in(raw: dict[str, Any], path: Path) -> int:
    """`worklist_days`: the Modality Worklist's look-ahead (interop.md), default 7."""
    value = raw.get("worklist_days", DEFAULT_WORKLIST_DAYS)
    low, high = WORKLIST_DAYS_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise bad_value(path, "worklist_days", f"must be a whole number from {low} to {high}")
    return value


# interop.md v3: "AccessionNumber is empty unless configured (the hospital's RIS owns
# accession numbers)"; configured, it is the step's own id (CW<n>), the one number of the
# step cervix-watch owns.
WORKLIST_ACCESSIONS = ("none", "step")


def worklist_accession_in(raw: dict[str, Any], path: Path) -> str:
    """`worklist_accession`: "none" (AccessionNumber empty, the default) or "step"."""
    return _choice(raw, "worklist_accession", WORKLIST_ACCESSIONS, path) or "none"


# interop.md v3: the receipts of ignored reports "are deleted after 90 days, configurable"
DEFAULT_RECEIPT_DAYS = 90
RECEIPT_DAYS_RANGE = (1, 3650)


def receipt_days_in(raw: dict[str, Any], path: Path) -> int:
    """`[inbox] receipt_days`: how many days an ignored report's receipt is kept."""
    value = _section(raw, "inbox", path).get("receipt_days", DEFAULT_RECEIPT_DAYS)
    low, high = RECEIPT_DAYS_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise bad_value(path, "inbox.receipt_days", f"must be a whole number from {low} to {high}")
    return value


DEFAULT_MRN_SYSTEM = "urn:cervix-watch:mrn"


def fhir_mrn_system(path: Path | None = None) -> str:
    """`[fhir] mrn_system`: the identifier system of the hospital's MRNs in FHIR exports."""
    path = path or config_path()
    return fhir_mrn_system_in(load(path), path)


def fhir_mrn_system_in(raw: dict[str, Any], path: Path) -> str:
    """`[fhir] mrn_system` of the file's tables `raw`, checked."""
    value = _section(raw, "fhir", path).get("mrn_system", DEFAULT_MRN_SYSTEM)
    if problem := uri_problem(value):
        raise bad_value(path, "fhir.mrn_system", f"must be a URI: {problem}")
    return str(value)


# RFC 3986: a URI starts with its scheme, a letter then letters, digits, `+`, `-` or `.`.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def uri_problem(value: object) -> str | None:
    """Why `value` is not a URI FHIR accepts (a scheme, no spaces, no control or format
    characters), or None when it is one."""
    from cervix_watch.domain.identifiers import unprintable_character

    if not isinstance(value, str):
        return f"{toml_type(value)}, not a string"
    if bad := unprintable_character(value):
        return f"contains the control or format character {bad}"
    if any(c.isspace() for c in value):
        return "contains a space"
    if not _SCHEME.match(value) or value.endswith(":"):
        return 'no scheme (for example "urn:oid:1.2.3" or "https://hospital.example/mrn")'
    return None


def sr_codes(path: Path | None = None) -> dict[tuple[str, str], str]:
    """`[sr.codes]` as {(scheme, value): field}; empty by default."""
    path = path or config_path()
    return sr_codes_in(load(path), path)


def sr_codes_in(raw: dict[str, Any], path: Path) -> dict[tuple[str, str], str]:
    """`[sr.codes]` of the file's tables `raw`, checked."""
    return code_table(_section(raw, "sr", path).get("codes", {}), path, "sr.codes")


def ultrasound_edd_tolerance_in(raw: dict[str, Any], path: Path) -> int:
    """`[sr] ultrasound_edd_tolerance_days` of the file's tables `raw`, checked (days)."""
    value = _section(raw, "sr", path).get(
        "ultrasound_edd_tolerance_days", DEFAULT_US_EDD_TOLERANCE_DAYS
    )
    low, high = US_EDD_TOLERANCE_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        key = "sr.ultrasound_edd_tolerance_days"
        raise bad_value(path, key, f"must be a whole number from {low} to {high}")
    return value


def code_table(table: object, path: Path, where: str) -> dict[tuple[str, str], str]:
    """A table of a machine's private codes (`[sr.codes]`, a scanner's `codes`) as
    {(scheme, value): field}; a bad key or target is one line naming the table `where`."""
    if not isinstance(table, dict):
        raise bad_value(path, where, f"must be a table ([{where}]), not {toml_type(table)}")
    codes: dict[tuple[str, str], str] = {}
    for key, target in table.items():
        scheme, _, value = str(key).partition(":")
        if not scheme.strip() or not value.strip():
            raise InputError(
                Problem("config", f'{path}: [{where}] key {key!r} is not "SCHEME:VALUE"')
            )
        if target not in SR_CODE_FIELDS:
            raise InputError(
                Problem(
                    "config",
                    f"{path}: [{where}] {key!r} = {target!r} is not one of "
                    f"{', '.join(SR_CODE_FIELDS)}",
                )
            )
        codes[(scheme.strip(), value.strip())] = target
    return codes
