"""The progesterone formulation (contract v3): `treatment add MRN progesterone --kind
vaginal|im-17ohpc|oral`, asked for at a terminal, in treatments.csv (empty for old
records), and named the same way in every output."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import Cli, both_backends


@pytest.fixture
def registered(cli: Cli) -> Cli:
    assert cli("patient", "add", "P01", "--edd", "2027-03-14").exit_code == 0
    return cli


def _kinds(cli: Cli) -> list[tuple[str, str]]:
    rows = [line.split(",") for line in cli("export", "treatments").stdout.splitlines()[1:]]
    return [(row[1], row[2]) for row in rows]


@both_backends
@pytest.mark.parametrize(
    ("given", "stored", "words"),
    [
        ("vaginal", "vaginal", "vaginal progesterone"),
        ("VAGINAL", "vaginal", "vaginal progesterone"),
        ("im-17ohpc", "im-17ohpc", "intramuscular 17-OHPC"),
        ("IM-17OHPC", "im-17ohpc", "intramuscular 17-OHPC"),
        ("oral", "oral", "oral progesterone"),
    ],
)
def test_each_formulation_is_stored_and_named(
    registered: Cli, given: str, stored: str, words: str
) -> None:
    """Any case in, the one spelling stored, the clinical words printed."""
    result = registered(
        "treatment", "add", "P01", "progesterone", "--kind", given, "--date", "2026-11-03"
    )
    assert result.exit_code == 0, result.output
    assert f"Treatment 1 recorded for P01: {words} from 2026-11-03." in result.stdout
    assert _kinds(registered) == [("progesterone", stored)]
    assert words in registered("patient", "show", "P01").stdout


def test_without_kind_the_formulation_is_not_recorded(registered: Cli) -> None:
    """No --kind (no terminal): stored empty and said so."""
    result = registered("treatment", "add", "P01", "progesterone", "--date", "2026-11-03")
    assert result.exit_code == 0, result.output
    assert "progesterone (formulation not recorded)" in " ".join(result.stdout.split())
    assert _kinds(registered) == [("progesterone", "")]
    show = " ".join(registered("patient", "show", "P01").stdout.split())
    assert "progesterone (formulation not recorded)" in show


def test_at_a_terminal_the_formulation_is_asked_for(registered: Cli) -> None:
    """--prompt asks for the formulation, refuses a wrong word and asks again."""
    result = registered(
        "treatment", "add", "P01", "progesterone", "--date", "2026-11-03", "--prompt",
        input="vaginl\nOral\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "error: kind: 'vaginl' is not one of vaginal/im-17ohpc/oral" in result.stderr
    assert _kinds(registered) == [("progesterone", "oral")]


def test_a_blank_answer_records_no_formulation(registered: Cli) -> None:
    """A blank answer at the prompt is "not recorded"; a cerclage is never asked."""
    result = registered(
        "treatment", "add", "P01", "progesterone", "--date", "2026-11-03", "--prompt", input="\n"
    )
    assert result.exit_code == 0, result.output
    result = registered(
        "treatment", "add", "P01", "cerclage", "--date", "2026-11-04", "--prompt", input=""
    )
    assert result.exit_code == 0, result.output
    assert _kinds(registered) == [("progesterone", ""), ("cerclage", "")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["progesterone", "--kind", "history"], "error: kind: 'history' is not one of "
         "'vaginal', 'im-17ohpc' or 'oral'"),
        (["progesterone", "--kind", "17ohpc"], "error: kind: '17ohpc' is not one of "),
        (["cerclage", "--kind", "vaginal"], "error: kind: 'vaginal' is not one of 'history', "),
        (["pessary", "--kind", "oral"], "error: kind: oral is not a kind of pessary"),
    ],
)  # fmt: skip
def test_a_kind_of_another_treatment_is_refused(
    registered: Cli, args: list[str], message: str
) -> None:
    """A kind that is not the type's: one line naming the type's kinds, exit 1, nothing
    written."""
    result = registered("treatment", "add", "P01", *args, "--date", "2026-11-03")
    assert result.exit_code == 1
    assert result.stderr.startswith(message), result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert _kinds(registered) == []


def test_treatments_csv_kinds_round_trip(registered: Cli, tmp_path: Path) -> None:
    """treatments.csv takes the formulations in any case and empty (an old record);
    export writes them lower-case and a re-import adds nothing."""
    source = tmp_path / "treatments.csv"
    source.write_text(
        "mrn,type,kind,start\n"
        "P01,progesterone,Vaginal,2026-10-01\n"
        "P01,progesterone,,2026-10-02\n"
        "P01,progesterone,im-17ohpc,2026-10-03\n"
        "P01,cerclage,HISTORY,2026-10-04\n"
    )
    result = registered("import", "treatments", str(source))
    assert result.exit_code == 0, result.output
    assert _kinds(registered) == [
        ("progesterone", "vaginal"),
        ("progesterone", ""),
        ("progesterone", "im-17ohpc"),
        ("cerclage", "history"),
    ]
    out = tmp_path / "out.csv"
    assert registered("export", "treatments", "--out", str(out)).exit_code == 0
    assert registered("import", "treatments", str(out)).exit_code == 0
    assert len(_kinds(registered)) == 4


def test_a_bad_kind_in_a_file_names_its_line(registered: Cli, tmp_path: Path) -> None:
    """One line per bad row, naming file, line and column; nothing written."""
    source = tmp_path / "bad.csv"
    source.write_text(
        "mrn,type,kind,start\nP01,progesterone,oral,2026-10-01\nP01,progesterone,gel,2026-10-02\n"
    )
    result = registered("import", "treatments", str(source))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: {source}:3: kind: 'gel' is not one of 'vaginal', 'im-17ohpc' or 'oral'"
    ]
    assert _kinds(registered) == []
