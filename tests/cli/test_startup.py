"""Start-up cost: `--help` loads only the CLI, never the database, data or engine layers.

The speed target (`cervix-watch --help` within 1.5x of `import typer, pydantic`) is
timed by `make bench`; these tests guard its cause, which timing tests on a shared
machine could not do reliably: the heavy modules stay unimported until a command
needs them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from tests.conftest import init_database, system_clock

# Run the real entry point in a fresh interpreter and report what it imported.
PROBE = """
import json, sys
sys.argv = ["cervix-watch", *sys.argv[1:]]
from cervix_watch.cli.app import main
try:
    main()
except SystemExit as done:
    code = done.code
else:
    code = 0
sys.stderr.write("\\n" + json.dumps({"code": code, "modules": sorted(sys.modules)}) + "\\n")
"""

# Top-level packages no `--help` needs: SQL, data frames, templates, charts, validation models.
HEAVY_PACKAGES = (
    "sqlalchemy",
    "pandas",
    "numpy",
    "jinja2",
    "plotext",
    "pydantic",
    "rich",
    "pydicom",
    "pynetdicom",
    "fhir",
)
# Our own layers below the CLI: the store (SQL), the engine and its TOML profiles, the models.
HEAVY_MODULES = (
    "cervix_watch.domain.models",
    "cervix_watch.rules",
    "cervix_watch.store",
    "cervix_watch.interop",
    "cervix_watch.report",
    "tomllib",
)


def probe(*args: str, env: dict[str, str] | None = None) -> tuple[str, int, set[str]]:
    """Run a fresh `cervix-watch ARGS...`: its stdout, exit status and imported modules."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    report = json.loads(result.stderr.strip().splitlines()[-1])
    return result.stdout + result.stderr, report["code"] or 0, set(report["modules"])


def imported_by(*args: str) -> set[str]:
    """The modules a fresh `cervix-watch ARGS...` process has imported when it exits."""
    text, code, modules = probe(*args)
    # the bare command shows the help as a usage error (exit 2), as click does
    assert code in (0, 2), text
    assert "Usage:" in text
    return modules


def loaded(modules: set[str], name: str) -> list[str]:
    return sorted(m for m in modules if m == name or m.startswith(name + "."))


@pytest.mark.slow
@pytest.mark.parametrize("args", [("--help",), ()], ids=["--help", "no-arguments"])
def test_root_help_imports_no_heavy_package(args: tuple[str, ...]) -> None:
    """`cervix-watch --help` (and the bare command) imports no SQL, pandas, rich or pydantic."""
    modules = imported_by(*args)
    found = {name: loaded(modules, name) for name in HEAVY_PACKAGES if loaded(modules, name)}
    assert found == {}


@pytest.mark.slow
def test_root_help_imports_no_lower_layer() -> None:
    """`cervix-watch --help` imports neither the domain models, the engine, nor the store."""
    modules = imported_by("--help")
    found = {name: loaded(modules, name) for name in HEAVY_MODULES if loaded(modules, name)}
    assert found == {}


@pytest.mark.slow
def test_python_m_help_imports_no_sqlalchemy_or_pandas() -> None:
    """`python -X importtime -m cervix_watch --help` lists no SQLAlchemy, pandas or models."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "cervix_watch", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0
    names = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    assert "cervix_watch.cli.app" in names
    assert not {"sqlalchemy", "pandas", "cervix_watch.domain.models"} & names


# `scan add` (log one scan, print GA, CL and the flags it raised) needs the store, the models
# and the engine, and nothing else: no data frames, reports, templates or charts, and none of
# the other command modules.
SCAN_ADD_UNNEEDED = (
    "pydicom",  # the interop extra (import sr, listen, export fhir)
    "pynetdicom",
    "fhir",
    "cervix_watch.cli.srcommands",
    "cervix_watch.console.srreport",
    "cervix_watch.app.srimport",
    "cervix_watch.app.receive",
    "cervix_watch.server",
    "pandas",
    "numpy",
    "jinja2",
    "plotext",
    "cervix_watch.interop",
    "cervix_watch.report",
    "cervix_watch.store.importer",
    "cervix_watch.store.admin",
    "cervix_watch.store.copy",
    "cervix_watch.cli.patient",
    "cervix_watch.cli.events",
    "cervix_watch.cli.review",
    "cervix_watch.cli.transfer",
    "cervix_watch.cli.demo",
    "cervix_watch.cli.dbcmd",
    "cervix_watch.console.render",
)


@pytest.mark.slow
@system_clock
def test_scan_add_imports_only_what_it_uses(tmp_path: Path, system_today: date) -> None:
    """`scan add` on an existing database: the store, models and engine, nothing more."""
    env = {**os.environ, "NO_COLOR": "1", "CERVIX_WATCH_OPERATOR": "probe"}
    db = init_database(str(tmp_path / "clinic.sqlite3"))
    edd = system_today + timedelta(days=280 - (24 * 7 + 1))  # GA 24+1 today (the child's day)
    text, code, _ = probe("--db", db, "patient", "add", "P01", "--edd", edd.isoformat(), env=env)
    assert code == 0, text
    text, code, modules = probe(
        "--db",
        db,
        "scan",
        "add",
        "P01",
        "--date",
        system_today.isoformat(),
        "--cl",
        "22",
        "--no-prompt",
        env=env,
    )
    assert code == 0, text
    assert "Scan 1 saved for P01: GA 24+1" in text
    assert "cervix_watch.rules.engine" in modules  # the flags were evaluated
    found = {name: loaded(modules, name) for name in SCAN_ADD_UNNEEDED if loaded(modules, name)}
    assert found == {}


# The weekly review and `due` read the clinic and count the inbox's waiting reports; none
# of the scanner's DICOM or FHIR packages (`review` of 1,000 patients took 0.65 s before
# pydicom came in through app.inbox, 1.06 s with it: make bench, 2026-12-06).
@pytest.mark.slow
@pytest.mark.parametrize("command", [("review", "--format", "json"), ("due",)], ids=str)
def test_review_and_due_import_no_dicom_or_fhir(tmp_path: Path, command: tuple[str, ...]) -> None:
    db = init_database(str(tmp_path / "clinic.sqlite3"))
    text, code, modules = probe("--db", db, *command, env={**os.environ, "NO_COLOR": "1"})
    assert code == 0, text
    assert "cervix_watch.app.inbox" in modules  # the header's count of waiting reports
    found = {name: loaded(modules, name) for name in ("pydicom", "pynetdicom", "fhir")}
    assert found == {"pydicom": [], "pynetdicom": [], "fhir": []}


# Python's own way to make an import fail: a None entry in sys.modules.
WITHOUT_INTEROP = """
import sys
for name in ("pydicom", "pynetdicom", "fhir", "fhir.resources"):
    sys.modules[name] = None
sys.argv = ["cervix-watch", *sys.argv[1:]]
from cervix_watch.cli.app import main
main()
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "package"),
    [
        (("import", "sr", "x.dcm"), "pydicom"),
        (("listen",), "pydicom"),
        (("export", "fhir"), "fhir.resources"),
    ],
)
def test_missing_interop_extra_is_one_line_saying_how_to_install(
    tmp_path: Path, args: tuple[str, ...], package: str
) -> None:
    """Without pydicom/pynetdicom/fhir.resources the interop commands say how to install them."""
    env = {**os.environ, "NO_COLOR": "1", "CERVIX_WATCH_OPERATOR": "probe"}
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_INTEROP, "--db", str(tmp_path / "c.sqlite3"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert result.returncode == 1
    assert result.stderr == (
        f"error: {package} is not installed: this command needs the interop extra "
        "(pip install 'cervix-watch[interop]')\n"
    )


# -- the start-up speed tricks, against their plain paths ---------------------------------
def _command_lines() -> list[tuple[str, ...]]:
    from cervix_watch.cli.app import COMMANDS

    lines: list[tuple[str, ...]] = []
    for name in COMMANDS:
        lines += [(name, "--help"), (name, "--no-such-option")]
    return [*lines, ("scan", "add", "--help"), ("review", "--format", "nonsense")]


@pytest.mark.parametrize("args", _command_lines(), ids=" ".join)
def test_one_command_tree_helps_and_fails_as_the_whole_tree(
    args: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`command_tree` (one command's tree) prints and exits exactly as `build()` (every one)."""
    from tests.clirunner import CliRunner

    from cervix_watch.cli.app import build, command_tree

    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    pruned = CliRunner().invoke(command_tree(list(args)), list(args), prog_name="cervix-watch")
    whole = CliRunner().invoke(build(), list(args), prog_name="cervix-watch")
    assert (pruned.exit_code, pruned.output) == (whole.exit_code, whole.output)
    assert pruned.exit_code in (0, 1, 2), pruned.output


def test_no_pydantic_plugin_is_installed_so_skipping_the_scan_changes_nothing() -> None:
    """No package here declares a pydantic plugin (the entry points pydantic would scan)."""
    from importlib.metadata import entry_points

    assert list(entry_points(group="pydantic")) == []


def test_a_users_pydantic_plugin_setting_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """`skip_pydantic_plugin_scan` sets the variable only when the user has not."""
    from cervix_watch.cli.app import skip_pydantic_plugin_scan

    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "logfire")
    skip_pydantic_plugin_scan()
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "logfire"
    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS")
    skip_pydantic_plugin_scan()
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
