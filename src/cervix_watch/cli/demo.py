"""`demo`: load the bundled synthetic clinic into a throw-away database and show its review."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from cervix_watch.console import context, output
from cervix_watch.console.commands import Commands, examples
from cervix_watch.console.options import DemoAsOfOption, ProfileOption
from cervix_watch.domain.errors import InputError, Problem
from cervix_watch.domain.kinds import RECORD_KINDS

DATA_ENV = "CERVIX_WATCH_DEMO_DATA"


def demo_data_dir() -> Path:
    """$CERVIX_WATCH_DEMO_DATA, else the clinic shipped inside the package (`demo_data/`).

    The package copy is what an installed `cervix-watch demo` reads; data/ in the repository
    is its source (data/make_demo.py writes both, a test keeps them byte-identical).
    """
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV])
    from importlib.resources import files

    shipped = files("cervix_watch") / "demo_data"
    if not isinstance(shipped, Path):  # pragma: no cover - a zipped install
        raise InputError(
            Problem("data", "the demo clinic is not on disk here (give --data FOLDER)")
        )
    return shipped


# `demo`: the root adds this typer's one command as a command of its own
demo_app = Commands()


@demo_app.command(
    "demo",
    short_help="Load the demo clinic and show its review.",
    epilog=examples("cervix-watch demo", "cervix-watch demo --html demo.html"),
)
def demo(
    ctx: typer.Context,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            metavar="FOLDER",
            help="Folder with the demo CSVs (default: the bundled clinic).",
        ),
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option("--html", metavar="FILE", help="Also write the HTML review report here."),
    ] = None,
    as_of: DemoAsOfOption = None,
    profile: ProfileOption = None,
) -> None:
    """Load the synthetic demo clinic into a throw-away database and print this week's review.

    Without --db a temporary database is used and removed afterwards; with --db the
    database must be empty (the demo never mixes into clinical records).
    """
    folder = data or demo_data_dir()
    if not (folder / "patients.csv").is_file():
        raise InputError(Problem("data", f"no demo clinic in {folder} (give --data FOLDER)"))
    state = context.state(ctx)
    if state.db is None:  # no --db, $CERVIX_WATCH_DB or config file `db`
        with tempfile.TemporaryDirectory(prefix="cervix-watch-demo-") as tmp:
            state.db = str(Path(tmp) / "demo.sqlite3")
            _run(state, folder, html, as_of, profile, temporary=True)
            state.store().engine.dispose()
        return
    _run(state, folder, html, as_of, profile)


def _run(
    state: context.State,
    folder: Path,
    html: Path | None,
    as_of: str | None,
    profile: str | None,
    temporary: bool = False,
) -> None:
    from cervix_watch.console import clinic
    from cervix_watch.console.output import Format
    from cervix_watch.console.render import render_review

    store = state.store(create=True)  # the demo is one of the commands that create a database
    if store.counts()["patients"]:
        raise InputError(
            Problem("db", "the demo needs an empty database; omit --db to use a temporary one")
        )
    # The bundled clinic is a snapshot taken on its own day: its dates are checked against
    # that day, so the demo loads whatever the machine's clock says.
    clinic_day = _demo_date(folder, state.today)
    for kind in RECORD_KINDS:
        clinic.load_csv(state, kind, folder / f"{kind}.csv", who="demo", today=clinic_day)
    on = context.review_date("as_of", as_of, state.today) or clinic_day
    chosen = clinic.resolve_profile(state, profile)
    counts = store.counts()
    from cervix_watch.domain.words import counted, singular

    # the temporary folder is gone when the command ends: naming it would send people to it
    kept = (
        "temporary, removed when the demo ends (give --db FILE to keep one)"
        if temporary
        else store.location.describe()
    )
    output.note(
        f"Demo clinic loaded from {folder}: "
        + ", ".join(counted(counts[kind], singular(kind)) for kind in RECORD_KINDS)
        + f". Database: {kept}"
    )
    result, histories = clinic.clinic_review(state, on, chosen)
    render_review(result, histories, chosen, Format.TABLE, None)
    if html is not None:
        render_review(result, histories, chosen, Format.HTML, html)
        output.note(f"HTML report written to {html}")


def _demo_date(folder: Path, today: date) -> date:
    """The day the demo clinic was taken on (its demo-as-of.txt), else `today`."""
    marker = folder / "demo-as-of.txt"
    if marker.is_file():
        return date.fromisoformat(marker.read_text(encoding="utf-8").strip())
    return today
