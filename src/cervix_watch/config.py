"""The user's configuration file: `<user config dir>/cervix-watch/config.toml`.

On Linux `~/.config/cervix-watch/config.toml` (platformdirs; `$XDG_CONFIG_HOME`
moves it). A missing file is an empty configuration. Only what a command asks
for is read and checked, and a bad value is one line naming the file and key.

Tables read today:
- `[sr.codes]`: the ultrasound machine's private codes for what the DICOM
  standard has no code for (funneling), as `"SCHEME:VALUE" = "field"`, e.g.
  `"99ACME:FUNL-L" = "funnel_length_mm"` (docs/connecting-the-scanner.md).
- `[fhir] mrn_system`: the identifier system of MRNs in `export fhir`
  (default `urn:cervix-watch:mrn`).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from cervix_watch.domain.errors import InputError, Problem

# `[sr.codes]` targets: the scan fields a machine's private code may fill.
SR_CODE_FIELDS = ("funnel_length_mm", "funnel_width_mm", "funneling")


def config_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir()) / "cervix-watch" / "config.toml"


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
