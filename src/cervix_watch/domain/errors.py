"""Errors are values until the edge: the core reports `Problem`s, the CLI prints them.

Every exception here carries an exit status from the contract (1 bad input,
2 usage error, 3 database problem) so the CLI can turn it into one line per problem.
"""

from __future__ import annotations

from dataclasses import dataclass

from cervix_watch.domain.filenames import shown


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input: where it came from, which field, what is wrong."""

    field: str
    message: str
    source: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.source is not None:
            source = shown(self.source)  # a file name: a newline in it must not forge a line
            where = f"{source}:{self.line}: " if self.line is not None else f"{source}: "
        return f"{where}{self.field}: {self.message}"


class CervixWatchError(Exception):
    """Base of every error the CLI turns into a message and an exit status."""

    exit_code = 1

    def lines(self) -> list[str]:
        return [str(self)]


class InputError(CervixWatchError):
    """Bad input or a clinical-data problem: exit 1, nothing written."""

    exit_code = 1

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("input", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))

    def lines(self) -> list[str]:
        """One line per problem, a file's problems in line order whichever check found them."""
        return [str(p) for p in sorted(self.problems, key=_file_position)]


def _file_position(problem: Problem) -> tuple[str, int]:
    # stable sort: problems of one line (or with no line) keep the order they were found in
    return (problem.source or "", problem.line or 0)


class NotFoundError(InputError):
    """A patient, scan or treatment the user named does not exist."""


class DatabaseError(CervixWatchError):
    """The database cannot be used: locked past the timeout, unreadable, newer schema."""

    exit_code = 3


class UsageError(CervixWatchError):
    """The program is called or set up wrongly, before any data is read: a config file
    another user could have written, an empty $CERVIX_WATCH_DB. Exit 2, as for a bad flag."""

    exit_code = 2

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))
