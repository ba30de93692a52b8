"""How a use case reports progress without knowing who watches: a `Track` passed in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

Item = TypeVar("Item")


class Track(Protocol):
    """`items` again, one by one, counted as steps of the work `label` names (of `total`)."""

    def __call__(self, items: Iterable[Item], label: str, total: int, /) -> Iterable[Item]: ...


def untracked(items: Iterable[Item], _label: str, _total: int, /) -> Iterable[Item]:
    """The `Track` of work nobody watches."""
    return items


__all__ = ["Track", "untracked"]
