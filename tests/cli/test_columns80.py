"""Every listing reads at 80 columns: no line is longer and no cell is cut mid-token.

Each command runs twice on the same database, at COLUMNS=80 and at COLUMNS=250 (where
nothing needs to fold). Folding may move words onto other lines but never changes them:
the 80-column output holds exactly the words of the wide one, each as many times. Only a
path may break, and only after a `/`, so words are compared as path pieces. A cut
identifier (`H123/456`), date (`2026-/10-13`), CL series (`21.0 / 21.` `5`) or key
(`cerclage-transabdomi` `nal`) makes words the wide output does not have.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from tests.clirunner import CliRunner, Result
from tests.conftest import Cli, at_today, init_database

from cervix_watch.cli.app import app
from cervix_watch.report.cells import path_pieces

DEMO = Path(__file__).resolve().parents[2] / "data"
AS_OF = "2026-11-23"
BOX_DRAWING = re.compile("[\u2500-\u257f]")
LONG_NAME = "Philippa Montgomery"
# eight fortnightly-then-weekly scans, the CL falling across 30, 25 and 20 mm
SCANS = [(10, 1, 38.2), (10, 8, 36.0), (10, 15, 34.4), (10, 22, 31.0)]
SCANS += [(10, 29, 29.5), (11, 5, 27.1), (11, 12, 24.2), (11, 19, 21.0)]
# the terminal chart's axes follow the width; its words are not a table's cells
CHART = re.compile(r"^Cervical length against GA$.*?^(?=Current discussion points)", re.M | re.S)

LISTINGS = [
    ("patient", "list"),
    ("patient", "list", "--all"),
    ("patient", "show", "D002", "--as-of", AS_OF),
    ("patient", "show", "L001", "--as-of", AS_OF),
    ("scan", "list"),
    ("scan", "list", "L001"),
    ("scan", "list", "L001", "--voided"),
    ("exam", "list", "--voided"),
    ("due", "--as-of", AS_OF, "--within", "14"),
    ("review", "--as-of", AS_OF),
    ("audit", "--from", "2026-07-01", "--to", AS_OF),
    ("rules", "profiles"),
    ("rules", "show", "acog-smfm"),
    ("rules", "show", "nice-ng25"),
    ("rules", "show", "{profile}"),
    ("rules", "default"),
    ("config", "show"),
    ("db", "info"),
    ("db", "check"),
]


def _deep_file(root: Path, name: str, text: str) -> Path:
    """A file four folders down, as a hospital share names its exports."""
    folder = root / "clinic-exports" / "2026" / "november" / "sonography-department"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def _add_busy_patient(cli: Cli, tmp_path: Path) -> None:
    """L001: eight scans imported from a long path, two amended, one voided, an exam and a
    treatment with long notes, edited details; all by an operator with a long name."""

    def ok(*args: str) -> None:
        result = cli(*args)
        assert result.exit_code == 0, result.output

    ok("patient", "add", "L001", "--edd", "2027-03-20", "--name", "Long Record")
    head = "mrn,date,route,cl1_mm,cl2_mm,cl3_mm,operator,notes\n"
    rows = [
        f"L001,2026-{month:02d}-{day:02d},tv,{cl:.1f},{cl + 0.5:.1f},{cl + 1:.1f},{LONG_NAME},"
        f"measured three times; posterior lip hard to see\n"
        for month, day, cl in SCANS
    ]
    scans = _deep_file(tmp_path, "cervical-length-scans.csv", head + "".join(rows))
    ok("import", "scans", str(scans))
    ids = [
        s["scan_id"] for s in json.loads(cli("scan", "list", "L001", "-f", "json").stdout)["scans"]
    ]
    by = ("--operator", LONG_NAME)
    amend = ("scan", "amend", str(ids[-1]), "--cl", "20.5", "--cl", "21.5", "--cl", "22.0")
    ok(*amend, "--route", "tv", "--reason", "caliper slip on the second", *by)
    amend2 = ("scan", "amend", str(ids[2]), "--route", "ta", "--reason", "route mistyped", *by)
    ok(*amend2)
    void = ("scan", "void", str(ids[3]), "--reason", "entered on the wrong patient's record")
    ok(*void, *by)
    exam = ("exam", "add", "L001", "--date", "2026-11-19", "--dilation-cm", "0")
    ok(*exam, "--note", "speculum: os closed, no fluid seen", *by)
    treat = ("treatment", "add", "L001", "progesterone", "--date", "2026-11-13")
    ok(*treat, "--note", "vaginal progesterone 200 mg nightly", *by)
    edit = ("patient", "edit", "L001", "--name", "Long Record-Keeping", "--reason", "typo")
    ok(*edit, *by)


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, str | None]]:
    """The demo clinic plus the busy patient L001 (built once for the module), and the
    environment: a config file at a long path naming the operator, no colour."""
    root = tmp_path_factory.mktemp("columns80")
    db = init_database(str(root / "clinic.sqlite3"))
    home = root / "home" / "a-rather-long-user-name" / ".config-for-the-clinic-workstation"
    (home / "cervix-watch").mkdir(parents=True)
    (home / "cervix-watch" / "config.toml").write_text(f'columns = 80\noperator = "{LONG_NAME}"\n')
    env: dict[str, str | None] = {"XDG_CONFIG_HOME": str(home), "NO_COLOR": "1"}
    env |= {"CERVIX_WATCH_OPERATOR": None, "CERVIX_WATCH_CONFIG": None, "CERVIX_WATCH_DB": None}

    def cli(*args: str) -> Result:
        return CliRunner().invoke(app, ["--db", db, *args], env={**env, "COLUMNS": "120"})

    with at_today():  # a module fixture runs outside the test's clock
        for kind in ("patients", "scans", "exams", "treatments", "discussions"):
            assert cli("import", kind, str(DEMO / f"{kind}.csv")).exit_code == 0
        _add_busy_patient(cli, root)
    profile = _deep_file(root, "acog-smfm-local-adaptation.toml", "")
    assert cli("rules", "export", "acog-smfm", "--out", str(profile)).exit_code == 0
    env["PROFILE"] = str(profile)
    return db, env


def _run(clinic: tuple[str, dict[str, str | None]], args: tuple[str, ...], columns: int) -> str:
    db, env = clinic
    args = tuple(str(env["PROFILE"]) if a == "{profile}" else a for a in args)
    result = CliRunner().invoke(app, ["--db", db, *args], env={**env, "COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result.stdout


def _words(text: str) -> Counter[str]:
    """Every word of `text` (table borders left out), a path as its pieces after each `/`."""
    text = BOX_DRAWING.sub(" ", CHART.sub("", text))
    return Counter(piece for word in text.split() for piece in path_pieces(word))


@pytest.mark.parametrize("args", LISTINGS, ids=" ".join)
def test_listing_reads_at_80_columns(
    clinic: tuple[str, dict[str, str | None]], args: tuple[str, ...]
) -> None:
    """At COLUMNS=80 no line is longer than 80 and every word of the wide output is there
    whole: nothing is cut mid-token, a path breaks only after a `/`."""
    narrow = _run(clinic, args, 80)
    wide = _run(clinic, args, 250)
    assert max(len(line) for line in narrow.splitlines()) <= 80
    if args == ("config", "show"):  # its columns row says what $COLUMNS is: 80, then 250
        narrow = narrow.replace("│ 80 ", "│ 250 ")
    cut = _words(narrow) - _words(wide)
    lost = _words(wide) - _words(narrow)
    assert (cut, lost) == (Counter(), Counter()), narrow
