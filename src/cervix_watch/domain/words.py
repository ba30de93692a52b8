"""Counted nouns in messages: `1 patient`, `2 patients`, `1 loss`, never `loss(es)`."""

from __future__ import annotations

# nouns whose plural is not the singular + "s"
_IRREGULAR = {"loss": "losses", "pregnancy": "pregnancies"}


def plural(noun: str, count: int) -> str:
    """The noun in the number `count` asks for (English: singular only for exactly one)."""
    if count == 1:
        return noun
    head, _, last = noun.rpartition(" ")
    many = _IRREGULAR.get(last, f"{last}s")
    return f"{head} {many}" if head else many


def counted(count: int, noun: str) -> str:
    """`1 patient`, `0 patients`, `3 losses`."""
    return f"{count} {plural(noun, count)}"


def singular(plural_noun: str) -> str:
    """The singular of a CSV kind's plural name (`patients` -> `patient`)."""
    return plural_noun.removesuffix("s")
