"""User-facing text cites nothing an installed copy lacks (issue 21.4): no help text, exported
profile or message names a documentation file (`interop.md`, `docs/deployment.md`); they
name a command that shows the thing instead (`cervix-watch rules show`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main
from tests.conftest import Cli, at_today

from cervix_watch.cli.app import app
from cervix_watch.console.reference import cli_reference
from cervix_watch.domain.errors import InputError
from cervix_watch.rules import builtin_profile_text
from cervix_watch.store import admin, db

# a file name ending .md (not `--format md`), or a path into docs/
DOC_FILE = re.compile(r"\w\.md\b|\bdocs ?/")
# a citation of the documentation an installed copy carries: `cervix-watch docs rules`
DOCS_TOPIC = re.compile(r"cervix-watch docs ([a-z]+)")


def _cited_topics(text: str) -> set[str]:
    return set(DOCS_TOPIC.findall(text))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Every command's --help, as docs/reference/cli.md gathers them (made once: it runs
    each command's --help), at TODAY with no user config, as in a test."""
    with pytest.MonkeyPatch.context() as patch, at_today():
        patch.delenv("CERVIX_WATCH_CONFIG", raising=False)
        patch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.getbasetemp() / "no-config"))
        return cli_reference(app)


def test_no_help_text_cites_a_documentation_file(reference: str) -> None:
    """Every command's --help (as docs/reference/cli.md gathers them) names no doc file."""
    assert DOC_FILE.findall(reference) == []


@pytest.mark.parametrize("name", ["acog-smfm", "nice-ng25"])
def test_an_exported_profile_cites_no_documentation_file(cli: Cli, name: str) -> None:
    """`rules export` writes a TOML whose comments point at commands, not at files."""
    exported = cli("rules", "export", name)
    assert exported.exit_code == 0
    assert exported.stdout == builtin_profile_text(name)
    assert DOC_FILE.findall(exported.stdout) == []


def test_backup_on_postgresql_names_the_command_not_a_file() -> None:
    """`db backup` on PostgreSQL gives the pg_dump command line and cites no file."""
    with pytest.raises(InputError) as caught:
        admin.backup(db.resolve("postgresql://cw@db.example/cw"), Path("x"))
    assert "pg_dump --format=custom --file=FILE" in str(caught.value)
    assert DOC_FILE.findall(str(caught.value)) == []
    assert _cited_topics(str(caught.value)) == {"deployment"}


def test_every_docs_citation_names_a_topic_docs_shows(reference: str) -> None:
    """Help, the man page, the exported profiles and the messages cite `cervix-watch docs
    TOPIC` only with a topic that `docs` shows (issue 21.6); the root help cites `docs`."""
    from cervix_watch.console.manpage import man_page
    from cervix_watch.console.topics import TOPICS

    texts = [
        reference,
        man_page(typer.main.get_command(app)).replace("\\-", "-"),
    ]
    texts += [builtin_profile_text(name) for name in ("acog-smfm", "nice-ng25")]
    sources = Path(__file__).resolve().parents[2] / "src" / "cervix_watch"
    texts += [path.read_text(encoding="utf-8") for path in sources.rglob("*.py")]
    cited = set().union(*(_cited_topics(text) for text in texts))
    assert cited, "no citation found: the pattern no longer matches what the help says"
    assert cited <= set(TOPICS)
    assert "cervix-watch docs TOPIC" in reference


def test_an_unknown_rule_id_points_at_rules_show(tmp_path: Path) -> None:
    """A profile with a made-up rule id is refused naming `rules show`, not a spec file."""
    from cervix_watch.rules import check_profile_file

    text = builtin_profile_text("nice-ng25").replace('name = "nice-ng25"', 'name = "ours"')
    first_id = re.search(r'^id = "([^"]+)"', text, re.M)
    assert first_id is not None
    path = tmp_path / "ours.toml"
    path.write_text(text.replace(first_id.group(0), 'id = "nice.made-up"', 1), encoding="utf-8")
    messages = " ".join(str(p) for p in check_profile_file(path))
    assert "`cervix-watch rules show` lists them" in messages
    assert DOC_FILE.findall(messages) == []


def test_demo_without_db_says_its_database_was_temporary(tmp_path: Path) -> None:
    """`demo` without --db does not name the folder it deletes on exit (issue 21.5)."""
    from tests.clirunner import CliRunner

    from cervix_watch.cli.app import app

    env = {"CERVIX_WATCH_DB": None, "CERVIX_WATCH_CONFIG": str(tmp_path / "none.toml")}
    result = CliRunner().invoke(app, ["demo"], env=env)
    assert result.exit_code == 0, result.output
    assert "Database: temporary, removed when the demo ends" in result.stderr
    assert "cervix-watch-demo-" not in result.stderr
