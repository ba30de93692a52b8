"""One invocation's settings, resolved once: every value and where it came from.

The order for every value is the flag, then the environment variable, then the config
file (`config.py`), then the built-in default. `resolve` applies it, in this one place,
when the root command starts (`cli/app.py`); the result is frozen and passed down, and
`config show` prints it. Nothing else reads `$CERVIX_WATCH_DB`, `$CERVIX_WATCH_OPERATOR`
or the file's values.

The only flags here are the root command's (`--db`): a command's own `--operator` or
`--format` is a flag of that command, which wins over these values where it is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from cervix_watch.domain.errors import InputError, Problem, UsageError
from cervix_watch.scanners import Scanner, scanners_from

T = TypeVar("T")

DB_ENV = "CERVIX_WATCH_DB"
OPERATOR_ENV = "CERVIX_WATCH_OPERATOR"
COLUMNS_ENV = "COLUMNS"

FLAG = "flag"
CONFIG_FILE = "config file"
DEFAULT = "default"


def from_environment(name: str) -> str:
    """The origin of a value taken from the environment variable `name`."""
    return f"environment ({name})"


@dataclass(frozen=True, slots=True)
class Sourced(Generic[T]):
    """A setting's value and where it came from: flag, environment (NAME), config file or
    default."""

    value: T
    origin: str = DEFAULT


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting of one invocation, checked.

    None means "decided where it is used": `db` the per-user default database, `operator`
    the login name, `format` each command's own default (table), `columns` the terminal's
    width.
    """

    config_path: Path
    config_exists: bool = False
    db: Sourced[str | None] = Sourced(None)
    operator: Sourced[str | None] = Sourced(None)
    format: Sourced[str | None] = Sourced(None)
    columns: Sourced[int | None] = Sourced(None)
    sr_codes: Sourced[Mapping[tuple[str, str], str]] = Sourced({})
    ultrasound_edd_tolerance_days: Sourced[int] = Sourced(7)  # config.py's default
    fhir_mrn_system: Sourced[str] = Sourced("urn:cervix-watch:mrn")  # config.py's default
    worklist_days: Sourced[int] = Sourced(7)  # config.DEFAULT_WORKLIST_DAYS
    worklist_accession: Sourced[str] = Sourced("none")  # config.WORKLIST_ACCESSIONS
    receipt_days: Sourced[int] = Sourced(90)  # config.DEFAULT_RECEIPT_DAYS
    scanners: Mapping[str, Scanner] = field(default_factory=dict)

    def scanner(self, name: str) -> Scanner:
        """The settings of the scanner `name` (`import sr --scanner NAME`); an unlisted
        name is bad input naming the file and the scanners it lists."""
        from cervix_watch.scanners import scanner_for

        found = scanner_for(self.scanners, name)
        if found is None:
            listed = ", ".join(self.scanners) or "none"
            problem = f'no [scanners."{name.strip()}"] in {self.config_path} (listed: {listed})'
            raise InputError(Problem("scanner", problem))
        return found


def resolve(db_flag: str | None, environ: Mapping[str, str], path: Path | None = None) -> Settings:
    """Read the config file (`path`, else `$CERVIX_WATCH_CONFIG` or the user's) and apply
    the order to every value. A bad file is one line naming the file and key (exit 1; one
    someone else could have written, exit 2); an empty `$CERVIX_WATCH_DB` that counts is a
    usage error (exit 2), as `--db ''` is."""
    from cervix_watch import config

    path = path or config.config_path(environ)
    raw = config.load(path)
    file = config.user_settings(path, raw)
    return Settings(
        config_path=path,
        config_exists=path.is_file(),
        db=_db(db_flag, environ, file.db),
        operator=_operator(environ, file.operator),
        format=Sourced(file.format, CONFIG_FILE) if file.format else Sourced(None),
        columns=_columns(environ, file.columns),
        sr_codes=_from_file(config.sr_codes_in(raw, path), {}),
        ultrasound_edd_tolerance_days=Sourced(
            config.ultrasound_edd_tolerance_in(raw, path),
            CONFIG_FILE if "ultrasound_edd_tolerance_days" in raw.get("sr", {}) else DEFAULT,
        ),
        fhir_mrn_system=_from_file(config.fhir_mrn_system_in(raw, path), config.DEFAULT_MRN_SYSTEM),
        worklist_days=Sourced(
            config.worklist_days_in(raw, path), CONFIG_FILE if "worklist_days" in raw else DEFAULT
        ),
        worklist_accession=Sourced(
            config.worklist_accession_in(raw, path),
            CONFIG_FILE if "worklist_accession" in raw else DEFAULT,
        ),
        receipt_days=Sourced(
            config.receipt_days_in(raw, path),
            CONFIG_FILE if "receipt_days" in raw.get("inbox", {}) else DEFAULT,
        ),
        scanners=scanners_from(raw, path),
    )


def _from_file(value: T, default: T | None) -> Sourced[T]:
    """A value of a config-file table: from the file unless it is the default."""
    return Sourced(value, DEFAULT if value == default or not value else CONFIG_FILE)


def _db(
    flag: str | None, environ: Mapping[str, str], configured: str | None
) -> Sourced[str | None]:
    if flag is not None:
        return Sourced(flag, FLAG)
    value = environ.get(DB_ENV)
    if value is not None:
        if not value.strip():
            # `Environment=CERVIX_WATCH_DB=` in a unit file never falls back to the default
            fix = "unset it, or give a file path or a postgresql:// URL"
            raise UsageError(Problem(DB_ENV, f"is set but empty; {fix}"))
        return Sourced(value, from_environment(DB_ENV))
    if configured is not None:
        return Sourced(configured, CONFIG_FILE)
    return Sourced(None)


def _operator(environ: Mapping[str, str], configured: str | None) -> Sourced[str | None]:
    value = environ.get(OPERATOR_ENV, "").strip()
    if value:
        return Sourced(value, from_environment(OPERATOR_ENV))
    if configured is not None:
        return Sourced(configured, CONFIG_FILE)
    return Sourced(None)


def _columns(environ: Mapping[str, str], configured: int | None) -> Sourced[int | None]:
    """$COLUMNS (as rich reads it: a whole number, else ignored), then the file's."""
    value = environ.get(COLUMNS_ENV, "").strip()
    if value.isdigit() and int(value) > 0:
        return Sourced(int(value), from_environment(COLUMNS_ENV))
    if configured is not None:
        return Sourced(configured, CONFIG_FILE)
    return Sourced(None)
