"""Per-invocation state (which database, debug), the audit trail's operator, dates typed."""

from __future__ import annotations

import getpass
import os
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import typer

from cervix_watch.domain.errors import InputError, Problem

if TYPE_CHECKING:
    from cervix_watch.app.database import Store
    from cervix_watch.settings import Settings


def _read_today() -> date:
    """The one place the program asks the system which day it is (the command-line edge):
    everything below the command line gets this date passed in."""
    return date.today()


# The running invocation's configured operator ($CERVIX_WATCH_OPERATOR, else the config
# file), set with its settings: the fallback of `who`, which every command calls with its
# own --operator and no settings.
_CONFIGURED_OPERATOR: ContextVar[str | None] = ContextVar("configured_operator", default=None)


@dataclass
class State:
    # the database chosen by `settings` (flag, environment, config file), None: the default
    db: str | None = None
    debug: bool = False
    # "today" for this invocation, read once: the default review date, the word "today",
    # and the limit of "a date may not be in the future" all mean this one day.
    today: date = field(default_factory=_read_today)
    # A command of many transactions (`import sr`, `listen`): its store keeps a small
    # connection pool (closed by `close`), rather than connecting for each transaction.
    pooled: bool = False
    # a stored built-in default this version changed is said once per invocation
    profile_change_said: bool = False
    _store: Store | None = None
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        """This invocation's settings, resolved once by the root command (`cli/app.py`)."""
        if self._settings is None:  # a command run without the root command (embedding)
            from cervix_watch.settings import resolve

            self.settings = resolve(self.db, os.environ)
        assert self._settings is not None
        return self._settings

    @settings.setter
    def settings(self, resolved: Settings) -> None:
        self._settings = resolved
        _CONFIGURED_OPERATOR.set(resolved.operator.value)

    def store(self, create: bool = False) -> Store:
        """Open (migrating if needed) the selected database, once. Only `create` (db init,
        demo) or the per-user default location makes a new one; warnings go to stderr."""
        if self._store is None:
            from cervix_watch.app.database import Store
            from cervix_watch.console import output

            self._store = Store.open(self.db, create, pooled=self.pooled)
            for warning in self._store.warnings:
                output.note(f"warning: {warning}")
        return self._store

    def close(self) -> None:
        """Close the database's connections (a long-running process, on its way out)."""
        if self._store is not None:
            self._store.close()
            self._store = None


def state(ctx: typer.Context) -> State:
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj


def who(operator: str | None) -> str:
    """The person an audit row names: --operator, else the configured operator (this
    invocation's settings: $CERVIX_WATCH_OPERATOR, else the config file), else the OS user."""
    from cervix_watch.domain.models import MAX_OPERATOR  # the audit `who` column's length

    name = (operator or "").strip() or (_CONFIGURED_OPERATOR.get() or "")
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = "unknown"
    from cervix_watch.domain.identifiers import unprintable_character

    if len(name) > MAX_OPERATOR:
        raise InputError(
            Problem("operator", f"must be at most {MAX_OPERATOR} printable characters")
        )
    if bad := unprintable_character(name):
        raise InputError(Problem("operator", f"contains the control or format character {bad}"))
    return name


def parse_date(field_name: str, text: str | None, today: date) -> date | None:
    """ISO date or the words today/yesterday (relative to `today`, the invocation's
    `State.today`); a bad one is an InputError naming the field."""
    if text is None:
        return None
    value = text.strip().lower()
    if value == "today":
        return today
    if value == "yesterday":
        return date.fromordinal(today.toordinal() - 1)
    from cervix_watch.domain.models import parse_iso_date

    try:
        parsed: date = parse_iso_date(value)
    except ValueError:
        raise InputError(Problem(field_name, f"{text!r} is not a date (use YYYY-MM-DD)")) from None
    return parsed


# A review date (`--as-of`, an audit's `--from`/`--to`) within these: the rules look back and
# ahead by weeks, and a date at the calendar's ends (9999-12-31) is a typo, not a review.
FIRST_REVIEW_DAY = date(1900, 1, 1)
LAST_REVIEW_DAY = date(2999, 12, 31)


def review_date(field_name: str, text: str | None, today: date) -> date | None:
    """`parse_date` for the day a review is computed on, refused outside 1900-2999."""
    on = parse_date(field_name, text, today)
    if on is not None and not FIRST_REVIEW_DAY <= on <= LAST_REVIEW_DAY:
        raise InputError(
            Problem(field_name, f"{on} is outside {FIRST_REVIEW_DAY} to {LAST_REVIEW_DAY}")
        )
    return on


def record_id(param: typer.CallbackParam, value: int | None) -> int | None:
    """Parameter callback for an id argument: outside 1..2147483647 is bad input (exit 1)."""
    from cervix_watch.domain.ids import check_record_id

    return None if value is None else check_record_id(param.name or "id", value)


def require(field: str, value: str | None) -> str:
    if value is None or not value.strip():
        raise InputError(Problem(field, "is required"))
    return value.strip()
