"""`docs`: the documentation an installed copy carries, shown as `git help` shows its pages.

The four documents ship inside the package (`cervix_watch/docs/*.md`, links to docs/ in
the repository, so docs/ stays the one source and a wheel carries the files' text). On a
terminal they go through the pager (`console.pager`: $PAGER, else `less -FRX`; `--no-pager`);
piped, they are plain text.
"""

from __future__ import annotations

import signal
from typing import Annotated

import typer

from cervix_watch.console import output
from cervix_watch.console.commands import Commands, examples
from cervix_watch.console.topics import TOPICS, topic_text


def _complete_topic(incomplete: str) -> list[str]:
    return [topic for topic in TOPICS if topic.startswith(incomplete)]


# `docs`: the root adds this typer's one command as a command of its own
docs_app = Commands()


@docs_app.command(
    "docs",
    short_help="The user guide, clinical rules, scanner and deployment docs.",
    epilog=examples(
        "cervix-watch docs", "cervix-watch docs rules", "cervix-watch docs --man > cervix-watch.1"
    ),
)
def docs(
    ctx: typer.Context,
    topic: Annotated[
        str | None,
        typer.Argument(
            metavar="TOPIC",
            help=f"One of: {', '.join(TOPICS)}. Omit to list them.",
            autocompletion=_complete_topic,
            show_default=False,
        ),
    ] = None,
    man: Annotated[
        bool,
        typer.Option(
            "--man",
            help="Write the manual page (roff) instead; view it with "
            "`cervix-watch docs --man | man -l -`.",
        ),
    ] = False,
) -> None:
    """Show the user guide, the clinical rules, connecting the scanner or deployment, through
    the pager on a terminal."""
    if man:
        from cervix_watch.console.manpage import man_page

        output.write(man_page(ctx.find_root().command))
        return
    if topic is None:
        width = max(len(name) for name in TOPICS)
        listing = "".join(f"  {name:<{width}}  {about}\n" for name, (_, about) in TOPICS.items())
        output.write(f"Topics (cervix-watch docs TOPIC):\n{listing}")
        return
    page(topic_text(topic))


def page(text: str) -> None:
    """`text` through the pager when stdout is a terminal, else written as it is: the one
    pager of every command (`console.pager`: `$PAGER`, else `less -FRX`; `--no-pager`).
    Ctrl-C belongs to the pager while it runs (less uses it to stop a search), not to this
    process, as with `git help`."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        output.page(text)
    finally:
        signal.signal(signal.SIGINT, previous)
