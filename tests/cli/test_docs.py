"""`cervix-watch docs [TOPIC]` (issue 21.6): the documents an installed copy carries, shown
through the pager on a terminal as `git help` does, plain when piped; `docs --man`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import pexpect
import pytest
import typer.main
from tests.clirunner import CliRunner, Result

from cervix_watch.cli.app import app
from cervix_watch.console.manpage import man_page, roff_text
from cervix_watch.console.topics import TOPICS

ROOT = Path(__file__).resolve().parents[2]


def _docs(tmp_path: Path, *args: str) -> Result:
    env = {"CERVIX_WATCH_DB": None, "CERVIX_WATCH_CONFIG": str(tmp_path / "none.toml")}
    return CliRunner().invoke(app, ["docs", *args], env=env)


@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_each_topic_ships_in_the_package_as_docs_has_it(topic: str) -> None:
    """The package's copy of a topic (what a wheel carries) is the docs/ file, byte for byte."""
    name, _ = TOPICS[topic]
    shipped = resources.files("cervix_watch") / "docs" / name
    assert shipped.read_bytes() == (ROOT / "docs" / name).read_bytes()


def test_the_package_ships_exactly_the_four_topics() -> None:
    """Nothing in cervix_watch/docs that no topic shows, and nothing a topic lacks."""
    shipped = ROOT / "src" / "cervix_watch" / "docs"
    assert sorted(p.name for p in shipped.iterdir()) == sorted(n for n, _ in TOPICS.values())


def test_docs_alone_lists_the_topics(tmp_path: Path) -> None:
    """`docs` without a topic lists guide, rules, scanner and deployment, one a line."""
    result = _docs(tmp_path)
    assert result.exit_code == 0, result.output
    listed = [line.split()[0] for line in result.stdout.splitlines()[1:]]
    assert listed == ["guide", "rules", "scanner", "deployment"]


@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_a_topic_piped_is_the_plain_document(tmp_path: Path, topic: str) -> None:
    """Not on a terminal, `docs TOPIC` writes the Markdown as it is, no pager."""
    result = _docs(tmp_path, topic)
    assert result.exit_code == 0, result.output
    assert result.stdout == (ROOT / "docs" / TOPICS[topic][0]).read_text(encoding="utf-8")


def test_an_unknown_topic_is_one_line_naming_the_topics(tmp_path: Path) -> None:
    """A topic that does not exist: exit 1, one `error:` line listing the four."""
    result = _docs(tmp_path, "manual")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "error: topic: 'manual' is not a topic (guide, rules, scanner, deployment)\n"
    )


def _at_terminal(tmp_path: Path, topic: str, env: dict[str, str], *root: str) -> str:
    """`cervix-watch [ROOT OPTIONS] docs TOPIC` run at a pseudo-terminal; what it printed."""
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    base["CERVIX_WATCH_CONFIG"] = str(tmp_path / "none.toml")
    child = pexpect.spawn(
        sys.executable, ["-m", "cervix_watch", *root, "docs", topic],
        env=base | env, encoding="utf-8", timeout=60, dimensions=(40, 80),
    )  # fmt: skip
    shown = child.read()
    child.close()
    assert child.exitstatus == 0, shown
    return str(shown)


@pytest.mark.slow
def test_at_a_terminal_the_topic_goes_through_pager(tmp_path: Path) -> None:
    """On a terminal the document is handed whole to $PAGER (its words split as a shell
    would), and nothing else is printed."""
    received = tmp_path / "paged.md"
    shown = _at_terminal(tmp_path, "scanner", {"PAGER": f"sh -c 'cat > {received}'"})
    assert shown == ""
    assert received.read_text(encoding="utf-8") == (
        ROOT / "docs" / "connecting-the-scanner.md"
    ).read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("pager", ["", "cat", "no-such-pager-here"])
def test_an_empty_pager_or_cat_means_plain_text(tmp_path: Path, pager: str) -> None:
    """As in git, `PAGER=` or `PAGER=cat` at a terminal prints the document itself; so does
    a $PAGER that is not installed (the text rather than nothing)."""
    shown = _at_terminal(tmp_path, "deployment", {"PAGER": pager})
    first = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8").splitlines()[0]
    assert shown.splitlines()[0] == first


@pytest.mark.slow
def test_no_pager_prints_the_document_at_a_terminal(tmp_path: Path) -> None:
    """The root option `--no-pager` holds for `docs` too: the text itself, no pager run."""
    received = tmp_path / "paged.md"
    shown = _at_terminal(tmp_path, "rules", {"PAGER": f"sh -c 'cat > {received}'"}, "--no-pager")
    assert shown.splitlines()[0] == "# Clinical rules (version 3)"
    assert not received.exists()


@pytest.mark.slow
def test_ctrl_c_in_the_pager_belongs_to_the_pager(tmp_path: Path) -> None:
    """Ctrl-C while the pager runs (less stops a search with it) does not end the command:
    the pager finishes and the status is 0, as with `git help`."""
    received = tmp_path / "paged.md"
    pager = f"sh -c 'trap \"\" INT; cat > {received}; sleep 2'"
    child = pexpect.spawn(
        sys.executable, ["-m", "cervix_watch", "docs", "rules"],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
             "CERVIX_WATCH_CONFIG": str(tmp_path / "none.toml"), "PAGER": pager},
        encoding="utf-8", timeout=60, dimensions=(40, 80),
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not (received.exists() and received.stat().st_size > 0):
        assert time.monotonic() < deadline, "the pager never received the document"
        time.sleep(0.05)
    child.sendintr()
    shown = child.read()
    child.close()
    assert (child.exitstatus, shown.replace("^C", "")) == (0, "")  # the terminal echoes ^C


@pytest.mark.slow
def test_without_pager_set_it_is_less_frx(tmp_path: Path) -> None:
    """No $PAGER: `less -FRX`, as git uses (a `less` on PATH that records its arguments)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_less = bin_dir / "less"
    fake_less.write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/args\ncat > {tmp_path}/in\n')
    fake_less.chmod(0o755)
    path = f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}"
    _at_terminal(tmp_path, "deployment", {"PATH": path})
    assert (tmp_path / "args").read_text() == "-FRX\n"
    assert (tmp_path / "in").read_text(encoding="utf-8") == (
        ROOT / "docs" / "deployment.md"
    ).read_text(encoding="utf-8")


def test_docs_man_writes_the_generated_page(tmp_path: Path) -> None:
    """`docs --man` writes cervix-watch(1), the same page as docs/reference/cervix-watch.1."""
    result = _docs(tmp_path, "--man")
    assert result.exit_code == 0, result.output
    assert result.stdout == man_page(typer.main.get_command(app))
    assert result.stdout == (ROOT / "docs" / "reference" / "cervix-watch.1").read_text()


def test_the_man_page_has_every_command_and_topic() -> None:
    """A roff page: title line first, the standard sections, a subsection for every command
    and subcommand (as the CLI reference has them), each docs topic."""
    from cervix_watch.console.reference import command_paths

    page = man_page(typer.main.get_command(app))
    assert page.startswith('.TH CERVIX\\-WATCH 1 ""')
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "EXIT STATUS"):
        assert f"\n.SH {section}\n" in page
    for path in command_paths(typer.main.get_command(app))[1:]:
        title = roff_text(" ".join(("cervix-watch", *path)))
        assert f'\n.SS "{title}"\n' in page
    for topic in TOPICS:
        assert f"\n\\fB{topic}\\fR\n" in page
    # no line is a stray roff request (text starting with a dot or quote is escaped)
    requests = {line.split()[0] for line in page.splitlines() if line[:1] in {".", "'"}}
    assert requests <= {".TH", ".SH", ".SS", ".PP", ".TP", ".RS", ".RE", ".nf", ".fi"}


def test_roff_text_escapes_what_roff_would_read_as_requests() -> None:
    """Backslashes and hyphens are escaped; a line starting `.` or `'` starts with `\\&`."""
    assert roff_text("a-b\\c") == "a\\-b\\ec"
    assert roff_text(".nf\n'x\nok") == "\\&.nf\n\\&'x\nok"


@pytest.mark.skipif(shutil.which("groff") is None, reason="groff is not installed")
def test_groff_renders_the_man_page_without_a_warning(tmp_path: Path) -> None:
    """groff reads the page with every warning on and complains of nothing; the rendered
    text names the commands."""
    page = tmp_path / "cervix-watch.1"
    page.write_text(man_page(typer.main.get_command(app)), encoding="utf-8")
    checked = subprocess.run(
        ["groff", "-man", "-Tutf8", "-ww", "-z", str(page)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (checked.returncode, checked.stderr) == (0, "")
    rendered = subprocess.run(
        ["groff", "-man", "-Tascii", "-P-c", "-P-b", "-P-u", str(page)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "cervix-watch scan add" in rendered
    assert "EXIT STATUS" in rendered
