"""The user's configuration file: `<user config dir>/cervix-watch/config.toml`.

On Linux `~/.config/cervix-watch/config.toml` (platformdirs; `$XDG_CONFIG_HOME`
moves it). A missing file is an empty configuration. Only what a command asks
for is read and checked, and a bad value is one line naming the file and key.

Keys (flags, then environment variables, then this file, then the defaults):
- `db`: the database, as `--db` takes it (after `$CERVIX_WATCH_DB`);
- `operator`: who the audit trail names (after `$CERVIX_WATCH_OPERATOR`);
- `format`: the default `--format` of every command that offers it (table, json, csv);
- `columns`: the terminal width for tables (after `$COLUMNS`).
`$CERVIX_WATCH_CONFIG` names another file (a shared workstation profile, tests).

Tables:
- `[sr.codes]`: the ultrasound machine's private codes for what the DICOM
  standard has no code for (funneling), as `"SCHEME:VALUE" = "field"`, e.g.
  `"99ACME:FUNL-L" = "funnel_length_mm"` (docs/connecting-the-scanner.md).
- `[fhir] mrn_system`: the identifier system of MRNs in `export fhir`
  (default `urn:cervix-watch:mrn`).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cervix_watch.domain.errors import InputError, Problem

# `[sr.codes]` targets: the scan fields a machine's private code may fill.
SR_CODE_FIELDS = ("funnel_length_mm", "funnel_width_mm", "funneling")


CONFIG_ENV = "CERVIX_WATCH_CONFIG"
FORMATS = ("table", "json", "csv")
COLUMNS_RANGE = (40, 1000)
KEYS = ("db", "operator", "format", "columns", "sr", "fhir")


def config_path() -> Path:
    """`$CERVIX_WATCH_CONFIG`, else `<user config dir>/cervix-watch/config.toml`."""
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV]).expanduser()
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


def user_settings(path: Path | None = None) -> UserSettings:
    """The top-level keys of the config file; a bad one is one line naming the key."""
    path = path or config_path()
    raw = load(path)
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        known = ", ".join(KEYS)
        raise InputError(Problem("config", f"{path}: {unknown[0]}: unknown key (known: {known})"))
    return UserSettings(
        path=path,
        exists=path.is_file(),
        db=_text(raw, "db", path),
        operator=_operator(raw, path),
        format=_choice(raw, "format", FORMATS, path),
        columns=_columns(raw, path),
    )


def _bad(path: Path, key: str, problem: str) -> InputError:
    return InputError(Problem("config", f"{path}: {key}: {problem}"))


def _text(raw: dict[str, Any], key: str, path: Path) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _bad(path, key, "must be a non-empty string")
    return value.strip()


def _operator(raw: dict[str, Any], path: Path) -> str | None:
    from cervix_watch.domain.models import MAX_OPERATOR  # the audit `who` column's length

    name = _text(raw, "operator", path)
    if name is not None and (len(name) > MAX_OPERATOR or not all(c.isprintable() for c in name)):
        raise _bad(path, "operator", f"must be at most {MAX_OPERATOR} printable characters")
    return name


def _choice(raw: dict[str, Any], key: str, choices: tuple[str, ...], path: Path) -> str | None:
    value = raw.get(key)
    if value is not None and value not in choices:
        raise _bad(path, key, f"{value!r} is not one of {', '.join(choices)}")
    return value


def _columns(raw: dict[str, Any], path: Path) -> int | None:
    value = raw.get("columns")
    low, high = COLUMNS_RANGE
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _bad(path, "columns", f"must be a whole number from {low} to {high}")
    return value


def load(path: Path | None = None) -> dict[str, Any]:
    """The whole file as TOML tables; {} when there is none."""
    path = path or config_path()
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise InputError(Problem("config", f"{path}: cannot be read ({error.strerror})")) from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(Problem("config", f"{path}: not valid TOML ({error})")) from None


DEFAULT_MRN_SYSTEM = "urn:cervix-watch:mrn"


def fhir_mrn_system(path: Path | None = None) -> str:
    """`[fhir] mrn_system`: the identifier system of the hospital's MRNs in FHIR exports."""
    path = path or config_path()
    value = load(path).get("fhir", {}).get("mrn_system", DEFAULT_MRN_SYSTEM)
    if not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value):
        raise InputError(Problem("config", f"{path}: [fhir] mrn_system must be a URI"))
    return value


def sr_codes(path: Path | None = None) -> dict[tuple[str, str], str]:
    """`[sr.codes]` as {(scheme, value): field}; empty by default."""
    path = path or config_path()
    table = load(path).get("sr", {}).get("codes", {})
    if not isinstance(table, dict):
        raise InputError(Problem("config", f"{path}: [sr.codes] must be a table"))
    codes: dict[tuple[str, str], str] = {}
    for key, target in table.items():
        scheme, _, value = str(key).partition(":")
        if not scheme.strip() or not value.strip():
            raise InputError(
                Problem("config", f'{path}: [sr.codes] key {key!r} is not "SCHEME:VALUE"')
            )
        if target not in SR_CODE_FIELDS:
            raise InputError(
                Problem(
                    "config",
                    f"{path}: [sr.codes] {key!r} = {target!r} is not one of "
                    f"{', '.join(SR_CODE_FIELDS)}",
                )
            )
        codes[(scheme.strip(), value.strip())] = target
    return codes
