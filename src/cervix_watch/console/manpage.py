"""The manual page, cervix-watch(1), written in roff from the command tree itself.

Every command's summary, usage and options come from the same click objects `--help`
prints, so the page cannot drift from the program; `make docs` keeps a copy in
docs/reference/cervix-watch.1 (tests/cli/test_reference.py checks it is current), and
`cervix-watch docs --man` writes it from an installed copy (either gives the root command).
No date on the title line: the page is the same whenever it is generated.
"""

from __future__ import annotations

from typing import Any

from cervix_watch import __version__


def roff_text(text: str) -> str:
    """Plain text made safe for roff: backslashes and hyphens escaped, and a line that
    would start with a control character (`.` or `'`) starts with `\\&` instead."""
    escaped = text.replace("\\", "\\e").replace("-", "\\-")
    lines = [f"\\&{line}" if line.startswith((".", "'")) else line for line in escaped.split("\n")]
    return "\n".join(lines)


def _paragraphs(text: str) -> list[str]:
    """Help text as paragraphs, each joined onto one line (roff fills them again)."""
    blocks = [" ".join(block.split()) for block in text.strip().split("\n\n")]
    return [block for block in blocks if block]


def _option_lines(ctx: Any, command: Any) -> list[str]:
    """One `.TP` entry per argument and option, as `--help` lists them."""
    lines: list[str] = []
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None:
            continue
        names, help_text = record
        if param.param_type_name == "argument":  # its name, as the usage line spells it
            names = names.split()[0]
        lines += [".TP", f"\\fB{roff_text(names)}\\fR", roff_text(" ".join(help_text.split()))]
    return lines


def _section(path: tuple[str, ...], ctx: Any, command: Any) -> list[str]:
    title = " ".join(("cervix-watch", *path))
    usage = " ".join(command.collect_usage_pieces(ctx))
    lines = [f'.SS "{roff_text(title)}"', f"\\fB{roff_text(title)}\\fR {roff_text(usage)}"]
    for paragraph in _paragraphs(command.help or ""):
        lines += [".PP", roff_text(paragraph)]
    options = _option_lines(ctx, command)
    if options:
        lines += [".PP", "Options:", ".RS", *options, ".RE"]
    if command.epilog:  # the examples `--help` ends with, line by line
        kept = [line for line in command.epilog.splitlines() if line.strip() not in {"", "\b"}]
        lines += [".PP", ".nf", roff_text("\n".join(kept)), ".fi"]
    return lines


def _walk(ctx: Any, command: Any, path: tuple[str, ...]) -> list[str]:
    """The section of `command` and of every command below it, in `--help`'s order."""
    import typer

    lines = _section(path, ctx, command) if path else []
    if hasattr(command, "list_commands"):  # a group
        for name, sub in command.commands.items():
            if sub.hidden:
                continue
            with typer.Context(sub, info_name=name, parent=ctx) as sub_ctx:
                lines += _walk(sub_ctx, sub, (*path, name))
    return lines


def man_page(root: Any) -> str:
    """cervix-watch(1) of the click command `root` (the whole tree: `ctx.find_root().command`
    at run time): name, synopsis, description, every command, topics, exit status."""

    from cervix_watch.console.topics import TOPICS

    # as the program parses: its context settings apply (`-h, --help`, as `--help` lists it)
    with root.make_context("cervix-watch", [], resilient_parsing=True) as ctx:
        lines = [
            f'.TH CERVIX\\-WATCH 1 "" "cervix\\-watch {roff_text(__version__)}" "User Commands"',
            ".SH NAME",
            "cervix\\-watch \\- " + roff_text(_paragraphs(root.help or "")[0]),
            ".SH SYNOPSIS",
            "\\fBcervix\\-watch\\fR [\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]...",
            ".SH DESCRIPTION",
        ]
        for paragraph in _paragraphs(root.help or "")[1:]:
            lines += [".PP", roff_text(paragraph)]
        lines += [".SH OPTIONS", *_option_lines(ctx, root), ".SH COMMANDS"]
        lines += _walk(ctx, root, ())
    lines += [".SH DOCUMENTATION", ".PP", "\\fBcervix\\-watch docs\\fR \\fITOPIC\\fR shows:"]
    for topic, (_, about) in TOPICS.items():
        lines += [".TP", f"\\fB{roff_text(topic)}\\fR", roff_text(about)]
    lines += [
        ".SH EXIT STATUS",
        ".PP",
        "0 success; 1 bad input (nothing written); 2 a usage or set\\-up error; "
        "3 a database error; 130 interrupted; 141 the reader of the output went away.",
    ]
    return "\n".join(lines) + "\n"
