"""Every command line of README.md's tour and docs/user-guide.md runs, in order, as
`cervix-watch` in a subprocess (the CLI at TODAY, run by a fork server), and exits as the
doc implies (issue 21.9). A line shown failing on purpose is in EXPECTED_CODES, a line
that cannot run here in SKIPPED_LINES, each with its reason; a doc line in neither that
the test cannot run fails it, so a new line is classified when it is written."""

from __future__ import annotations

import os
import pkgutil
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import cervix_watch
from tests import forkserver
from tests.conftest import REPO, TODAY

README = REPO / "README.md"
USER_GUIDE = REPO / "docs" / "user-guide.md"

# A fenced block the tests read: ```sh or a bare ``` (```text, ```toml are output or files).
FENCE = re.compile(r"^```(sh)?$")
# A command: an optional `$ ` prompt, optional VAR=value words, then the program.
COMMAND = re.compile(r"^(?:\$ )?(?:[A-Z_]+=\S+ )*(?:cervix-watch|\$cw) ")
TRAILING_COMMENT = re.compile(r"\s+#.*$")

# Lines shown failing on purpose: the command, its exit status, and why the doc shows it.
# (`db check` is shown failing on a tampered database; on this intact one it exits 0.)
EXPECTED_CODES: dict[str, tuple[int, str]] = {
    "CERVIX_WATCH_DB=~/clinc.sqlite3 cervix-watch review": (
        3,
        "user guide: a mistyped database path is refused, exit 3, nothing created",
    ),
}

# Lines that cannot run here, each with why; never skipped silently.
SKIPPED_LINES: dict[str, str] = {
    "$cw scan add": "interactive: shown with its prompt transcript; needs a terminal",
    "$cw rules default our-unit.toml": "the tour does not create our-unit.toml",
    "cervix-watch review --profile my-clinic.toml": "the guide does not create my-clinic.toml",
    "$cw import patients patients.csv --dry-run": "the tour does not create patients.csv",
    "$cw import patients patients.csv": "the tour does not create patients.csv",
    "cervix-watch import patients patients.csv --dry-run": "the guide does not create it",
    "cervix-watch import patients patients.csv": "the guide does not create patients.csv",
    "$cw import sr /media/usb/SR --dry-run": "needs the scanner's USB stick of DICOM SRs",
    "cervix-watch import sr /media/usb/SR --dry-run": "needs the scanner's USB stick",
    "$cw listen --allow-ae US_ROOM1": "a DICOM receiver: runs until stopped, needs a peer",
    "cervix-watch listen --allow-ae US_ROOM1": "a DICOM receiver: needs a DICOM peer",
    "cervix-watch inbox show 3": "the guide's clinic has no report held from a scanner",
    "cervix-watch inbox file 3 --route tv": "the guide's clinic has no held report",
    "cervix-watch inbox file 5 --mrn H123456": "the guide's clinic has no held report",
    "cervix-watch inbox reject 4 --reason 'test image'": "the guide's clinic has no held report",
    "cervix-watch db init postgresql://cervix_owner@dbserver.example/cervix_watch": (
        "needs that PostgreSQL server"
    ),
}

# Lines the doc runs with no `$CERVIX_WATCH_DB`, and why.
DB_VARIABLE = "CERVIX_WATCH_DB"
WITHOUT_DATABASE: dict[str, str] = {
    "cervix-watch demo --html demo.html": "the guide's demo loads a throw-away database",
}

# The child's clock is TODAY, as in every other test, so no line depends on the real date.
LAUNCHER = f"""\
import sys
from datetime import UTC, datetime
import time_machine
with time_machine.travel(datetime({TODAY.year}, {TODAY.month}, {TODAY.day}, 12, tzinfo=UTC)):
    sys.argv[0] = "cervix-watch"
    from cervix_watch.cli.app import main
    main()
"""


@pytest.fixture(scope="module")
def zygote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fork server (tests/forkserver.py) running LAUNCHER for every doc line, with every
    module of the CLI imported once: its socket. Each line would otherwise pay a fresh
    interpreter and the imports (about 0.6 s of CPU); the last test below shows that no
    line's output changes."""
    folder = tmp_path_factory.mktemp("zygote")
    modules = pkgutil.walk_packages(cervix_watch.__path__, "cervix_watch.")
    preload = ["time_machine", *(m.name for m in modules if not m.name.endswith("__main__"))]
    # The server's interpreter starts in an environment like the lines' (no locale, no
    # PYTHON* variables), which each child checks; main() sets the pydantic variable first.
    # The one variable an imported module reads at import, pydicom's $PYDICOM_FUTURE, is
    # set in neither.
    env = {"HOME": str(folder), "PATH": os.environ["PATH"], "PYDANTIC_DISABLE_PLUGINS": "__all__"}
    with forkserver.started(
        folder / "server.sock", LAUNCHER, preload, env, folder / "server.log"
    ) as socket:
        yield socket


@dataclass(frozen=True)
class DocLine:
    doc: str
    number: int
    command: str


def doc_lines(path: Path) -> list[DocLine]:
    """The command lines in `path`'s ```sh and bare ``` blocks, prompt and comment removed,
    a line ending in `\\` joined to the next."""
    found: list[DocLine] = []
    fence: str | None = None  # the open block's opening line
    pending = ""
    start = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("```"):
            fence = line if fence is None else None
            continue
        if fence is None or not FENCE.match(fence):
            continue
        if pending:
            pending += " " + line.strip()
        elif COMMAND.match(line):
            pending, start = line, number
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip()
            continue
        if pending:
            command = TRAILING_COMMENT.sub("", pending.removeprefix("$ "))
            found.append(DocLine(path.name, start, command))
            pending = ""
    return found


def launcher(bin_dir: Path, zygote: Path | None) -> Path:
    """`cervix-watch` in `bin_dir`: the client of the fork server `zygote`, or with none, a
    new interpreter running LAUNCHER."""
    bin_dir.mkdir(parents=True)
    script = bin_dir / "cervix-watch"
    if zygote is not None:
        return forkserver.write_client(script)
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c \'{LAUNCHER}\' "$@"\n')
    script.chmod(0o700)
    return script


def environment(home: Path, database: Path, zygote: Path) -> dict[str, str]:
    """A fresh environment in `home`: `cervix-watch` and `$cw` are the fork server's client,
    the database `$CERVIX_WATCH_DB`, no user config, no terminal."""
    bin_dir = home / "bin"
    script = launcher(bin_dir, zygote)
    return {
        forkserver.forkclient.SOCKET_VARIABLE: str(zygote),
        "HOME": str(home),
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "CERVIX_WATCH_DB": str(database),
        "CERVIX_WATCH_OPERATOR": "doc-tester",
        "cw": str(script),
        "COLUMNS": "100",
    }


def run(command: str, home: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """One doc line through the shell (its quoting, `~` and `$cw`), as a user types it."""
    return subprocess.run(
        ["/bin/sh", "-c", command],
        check=False,
        cwd=home,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def run_all(lines: list[DocLine], home: Path, env: dict[str, str]) -> list[str]:
    """Run each line in order, skipping only SKIPPED_LINES; the problems, one per line."""
    problems: list[str] = []
    for line in lines:
        if line.command in SKIPPED_LINES:
            continue
        expected, _why = EXPECTED_CODES.get(line.command, (0, ""))
        if line.command in WITHOUT_DATABASE:
            done = run(line.command, home, {k: v for k, v in env.items() if k != DB_VARIABLE})
        else:
            done = run(line.command, home, env)
        if done.returncode != expected:
            problems.append(
                f"{line.doc}:{line.number}: {line.command}: exit {done.returncode}, "
                f"expected {expected}: {done.stderr.strip()[-300:]}"
            )
    return problems


def test_every_listed_exception_is_still_a_doc_line() -> None:
    """A table entry whose line left the docs is removed with it, not kept by mistake."""
    commands = {line.command for path in (README, USER_GUIDE) for line in doc_lines(path)}
    listed = set(EXPECTED_CODES) | set(SKIPPED_LINES) | set(WITHOUT_DATABASE)
    assert listed - commands == set()


def test_a_command_line_is_read_from_sh_and_bare_blocks_only(tmp_path: Path) -> None:
    """Prompt, trailing comment and `\\` continuation handled; ```text blocks are output."""
    doc = tmp_path / "doc.md"
    doc.write_text(
        "```sh\n$cw db init   # once\n```\n"
        "```text\ncervix-watch review\n```\n"
        "```\n$ cervix-watch patient add X --edd 2027-01-01 \\\n    --name N\noutput\n```\n"
        "cervix-watch rules profiles\n",
        encoding="utf-8",
    )
    assert [(line.number, line.command) for line in doc_lines(doc)] == [
        (2, "$cw db init"),
        (8, "cervix-watch patient add X --edd 2027-01-01 --name N"),
    ]


def test_the_readme_tour_runs(tmp_path: Path, zygote: Path) -> None:
    """The tour sets up `$CERVIX_WATCH_DB` and `cw` itself, then runs on an empty clinic."""
    lines = doc_lines(README)
    assert any(line.command == "$cw db init" for line in lines), "the tour was not found"
    env = environment(tmp_path, tmp_path / "clinic.sqlite3", zygote)
    problems = run_all(lines, tmp_path, env)
    assert not problems, "\n".join(problems)


def test_the_user_guide_commands_run(tmp_path: Path, zygote: Path) -> None:
    """The guide's examples name the demo clinic's records (D003, scan 8, exam 4), so
    `$CERVIX_WATCH_DB` is a demo clinic; lines naming a database of their own use it."""
    lines = doc_lines(USER_GUIDE)
    assert len(lines) > 20, "the guide's command lines were not found"
    env = environment(tmp_path, tmp_path / "demo-clinic.sqlite3", zygote)
    loaded = run('cervix-watch --db "$CERVIX_WATCH_DB" demo', tmp_path, env)
    assert loaded.returncode == 0, loaded.stderr
    problems = run_all(lines, tmp_path, env)
    assert not problems, "\n".join(problems)


# Lines of each kind the docs run, on the demo clinic: each must give the same exit status,
# stdout, stderr and file through the fork server as through a fresh interpreter.
EQUIVALENT_LINES = (
    "cervix-watch review --as-of 2026-11-23 --format json",  # a listing as JSON
    "CERVIX_WATCH_DB=~/clinc.sqlite3 cervix-watch review",  # refused: exit 3 and why
    # a reader gone (the bundle is bigger than a pipe holds, so the closed pipe is met: 141)
    '{ cervix-watch export fhir; echo "exit $?" >&2; } | head -c 40',
    "cervix-watch audit --from 2026-04-01 --to 2026-06-30 --format csv --out audit-q2.csv",
    'cervix-watch review >&-; echo "exit $?"',  # no stdout at all
    "cervix-watch patient show D003 --as-of 2026-11-23 < /dev/null",  # the chart, at 100 columns
)


@pytest.mark.slow  # about 6 s: each line once through a new interpreter
def test_the_fork_server_runs_a_line_as_a_fresh_process_does(tmp_path: Path, zygote: Path) -> None:
    """Each kind of line gives, byte for byte, what `python -c LAUNCHER` gives."""
    forked = environment(tmp_path, tmp_path / "demo-clinic.sqlite3", zygote)
    fresh = {k: v for k, v in forked.items() if k != forkserver.forkclient.SOCKET_VARIABLE}
    script = launcher(tmp_path / "fresh", None)
    fresh |= {"PATH": f"{script.parent}{os.pathsep}{os.environ['PATH']}", "cw": str(script)}
    assert run('cervix-watch --db "$CERVIX_WATCH_DB" demo', tmp_path, forked).returncode == 0
    written = tmp_path / "audit-q2.csv"
    for line in EQUIVALENT_LINES:
        outcomes = []
        for env in (fresh, forked):
            written.unlink(missing_ok=True)
            done = subprocess.run(
                ["/bin/sh", "-c", line],
                check=False,
                cwd=tmp_path,
                env=env,
                capture_output=True,
                timeout=60,
            )
            made = written.read_bytes() if written.exists() else None
            outcomes.append((done.returncode, done.stdout, done.stderr, made))
        assert outcomes[1] == outcomes[0], line
        print(
            line,
            outcomes[0][0],
            len(outcomes[0][1]),
            outcomes[0][2][-80:],
            len(outcomes[0][3] or b""),
        )
