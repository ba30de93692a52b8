"""The frozen Settings: each value resolved once, flag > environment > file > default, with
where it came from."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from cervix_watch.domain.enums import Route
from cervix_watch.domain.errors import InputError, UsageError
from cervix_watch.settings import (
    CONFIG_FILE,
    DEFAULT,
    FLAG,
    Settings,
    Sourced,
    resolve,
)

FILE = """
db = "/srv/cw/file.sqlite3"
operator = "File Person"
format = "json"
columns = 100
[sr.codes]
"99ACME:FUNL-L" = "funnel_length_mm"
[fhir]
mrn_system = "urn:oid:1.2.3"
[scanners."US_ROOM1"]
hosts = ["10.1.2.3"]
single_probe = true
route = "tv"
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(FILE, encoding="utf-8")
    path.chmod(0o600)
    return path


def test_everything_from_the_file(config: Path) -> None:
    """With no flag and no environment, every value is the file's and says so."""
    settings = resolve(None, {}, config)
    assert settings.config_exists
    assert settings.db == Sourced("/srv/cw/file.sqlite3", CONFIG_FILE)
    assert settings.operator == Sourced("File Person", CONFIG_FILE)
    assert settings.format == Sourced("json", CONFIG_FILE)
    assert settings.columns == Sourced(100, CONFIG_FILE)
    assert settings.sr_codes == Sourced({("99ACME", "FUNL-L"): "funnel_length_mm"}, CONFIG_FILE)
    assert settings.fhir_mrn_system == Sourced("urn:oid:1.2.3", CONFIG_FILE)
    assert settings.scanners["US_ROOM1"].route is Route.TV


def test_environment_over_the_file(config: Path) -> None:
    """$CERVIX_WATCH_DB, $CERVIX_WATCH_OPERATOR and $COLUMNS win over the file's values."""
    environ = {
        "CERVIX_WATCH_DB": "/srv/cw/env.sqlite3",
        "CERVIX_WATCH_OPERATOR": " Env Person ",
        "COLUMNS": "120",
    }
    settings = resolve(None, environ, config)
    assert settings.db == Sourced("/srv/cw/env.sqlite3", "environment (CERVIX_WATCH_DB)")
    assert settings.operator == Sourced("Env Person", "environment (CERVIX_WATCH_OPERATOR)")
    assert settings.columns == Sourced(120, "environment (COLUMNS)")


def test_the_flag_over_the_environment(config: Path) -> None:
    """--db wins over $CERVIX_WATCH_DB, even an empty one (which alone is a usage error)."""
    for env_db in ("/srv/cw/env.sqlite3", ""):
        settings = resolve("/srv/cw/flag.sqlite3", {"CERVIX_WATCH_DB": env_db}, config)
        assert settings.db == Sourced("/srv/cw/flag.sqlite3", FLAG)


@pytest.mark.parametrize("given", ["", " ", "\t"])
def test_an_empty_db_variable_that_counts_is_a_usage_error(config: Path, given: str) -> None:
    """An empty $CERVIX_WATCH_DB never falls back to the file or the default."""
    with pytest.raises(UsageError):
        resolve(None, {"CERVIX_WATCH_DB": given}, config)


def test_defaults_without_a_file(tmp_path: Path) -> None:
    """No file: every value is the default (None where it is decided where it is used)."""
    settings = resolve(None, {"COLUMNS": "wide", "CERVIX_WATCH_OPERATOR": "  "}, tmp_path / "no")
    assert not settings.config_exists
    for value in (settings.db, settings.operator, settings.format, settings.columns):
        assert value == Sourced(None, DEFAULT)
    assert settings.sr_codes == Sourced({}, DEFAULT)
    assert settings.fhir_mrn_system == Sourced("urn:cervix-watch:mrn", DEFAULT)
    assert settings.scanners == {}


def test_the_config_file_comes_from_its_variable(config: Path) -> None:
    """$CERVIX_WATCH_CONFIG in the environment given names the file."""
    settings = resolve(None, {"CERVIX_WATCH_CONFIG": str(config)})
    assert settings.config_path == config
    assert settings.operator.value == "File Person"


def test_settings_are_frozen(config: Path) -> None:
    """Resolved once: nothing can change a value afterwards."""
    settings = resolve(None, {}, config)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.db = Sourced("/elsewhere", FLAG)  # type: ignore[misc]


def test_a_scanner_by_name(config: Path) -> None:
    """scanner(NAME): the listed scanner (padding ignored); another name is bad input
    naming the file and the scanners it lists."""
    settings = resolve(None, {}, config)
    assert settings.scanner(" US_ROOM1 ").ae_title == "US_ROOM1"
    with pytest.raises(InputError) as raised:
        settings.scanner("us_room1")
    assert raised.value.lines() == [
        f'scanner: no [scanners."us_room1"] in {config} (listed: US_ROOM1)'
    ]
    with pytest.raises(InputError, match=r"\(listed: none\)"):
        Settings(config_path=config).scanner("US_ROOM1")


def test_a_bad_table_stops_resolution(config: Path) -> None:
    """Any bad value anywhere in the file is found when the settings are resolved."""
    config.write_text('[scanners."US_ROOM1"]\nroute = "tv"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r'scanners\."US_ROOM1"\.hosts: is required'):
        resolve(None, {}, config)
