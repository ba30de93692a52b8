"""One error style for usage errors (issue 21): a bad flag reads like every other error.

click printed a usage block ("Usage: ... Try ... Error: Invalid value for
'--within': Input should be greater than or equal to 0"), in pydantic's words,
where a domain error is one `error:` line. Now a usage error is

    error: --within: must be at least 0
    try: cervix-watch due --help

and exit 2, as gh does: the first line names the option, in our words.
"""

from __future__ import annotations

import re
from typing import Any, NoReturn

import typer

from cervix_watch.console import output

# click's UsageError (BadParameter, MissingParameter, NoSuchOption, a bad command):
# typer raises it but names only its BadParameter subclass
UsageError: type[Exception] = typer.BadParameter.__mro__[1]
USAGE_STATUS = 2

# pydantic's wording (typer converts values with it) -> ours
_WORDS = (
    (re.compile(r"^Value error, "), ""),
    (re.compile(r"Input should be greater than or equal to (\S+)"), r"must be at least \1"),
    (re.compile(r"Input should be less than or equal to (\S+)"), r"must be at most \1"),
    (re.compile(r"Input should be greater than (\S+)"), r"must be more than \1"),
    (re.compile(r"Input should be less than (\S+)"), r"must be less than \1"),
    (re.compile(r"Input should be a valid integer.*"), "must be a whole number"),
    (re.compile(r"Input should be a valid number.*"), "must be a number"),
    (re.compile(r"Input should be "), "must be "),
)


def our_words(message: str) -> str:
    """A converter's message in the program's own words, without a trailing full stop."""
    for pattern, replacement in _WORDS:
        message = pattern.sub(replacement, message)
    return message.strip().rstrip(".")


def usage_line(error: Any) -> str:
    """`--within: must be at least 0`, `--reason: required`, `no such command 'bogus'`."""
    name = _named(error)
    kind = type(error).__name__
    if kind == "MissingParameter":
        return f"{name}: required"
    if kind == "BadOptionUsage" and "requires an argument" in str(error):
        return f"{error.option_name}: needs a value"
    if kind == "NoSuchOption":
        similar = list(getattr(error, "possibilities", None) or ())
        hint = f" (did you mean {', '.join(similar)}?)" if similar else ""
        return f"{error.option_name}: no such option{hint}"
    message = our_words(str(getattr(error, "message", "") or error))
    if name:
        return f"{name}: {message}"
    return message[:1].lower() + message[1:]


def _named(error: Any) -> str:
    """The option or argument the error is about: `--format`, `MRN`; '' for none."""
    hint = getattr(error, "param_hint", None)
    if isinstance(hint, str):
        return hint.replace("'", "")
    if isinstance(hint, list | tuple) and hint:
        return str(hint[0]).replace("'", "")
    param = getattr(error, "param", None)
    if param is None:
        return ""
    flags = [opt for opt in getattr(param, "opts", ()) if opt.startswith("--")]
    if flags:
        return str(flags[0])
    # an argument, as its usage line and help name it (`MRN`); typer's arguments have no
    # click `human_readable_name` (asking for it was a traceback on a missing argument)
    return str(getattr(param, "metavar", None) or str(param.name).upper())


def report(error: Any) -> NoReturn:
    """Print the two lines and exit 2 (a bare command group shows its help, as before)."""
    if type(error).__name__ == "NoArgsIsHelpError":
        raise error
    ctx = getattr(error, "ctx", None)
    path = ctx.command_path if ctx is not None else "cervix-watch"
    output.error(usage_line(error))
    output.note(f"try: {path} --help")
    raise typer.Exit(USAGE_STATUS)
