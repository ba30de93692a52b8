"""Identifiers people type and compare by eye: MRNs, operator names, action names.

Two things live here: which characters an identifier may hold (none that is
invisible or reorders the text around it, so two MRNs that look the same are
the same), and "did you mean": the known names closest to a mistyped one.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

# Unicode general categories that show nothing or move text: controls (C0, DEL, C1),
# format characters (zero-width spaces, bidirectional overrides, soft hyphen, tags),
# lone surrogates, and line/paragraph separators. Ordinary spaces (Zs) are fine.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def is_noncharacter(code: int) -> bool:
    """U+FDD0..U+FDEF and the last two code points of every plane (U+FFFE, U+1FFFF, ...):
    never meant for interchange."""
    return 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE


def is_hidden(character: str) -> bool:
    """A control, format, separator, surrogate or noncharacter: what an identifier may
    not hold and what output escapes (cli/output), decided by category, not by a list."""
    if unicodedata.category(character) in HIDDEN_CATEGORIES:
        return True
    return is_noncharacter(ord(character))


def spelled(character: str) -> str:
    """How output writes a hidden character: `\\x1b`, `\\u202e`, `\\U000e0041`."""
    code = ord(character)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def unprintable_character(text: str) -> str | None:
    """The first control or format character in `text`, spelled `U+200B`; None when clean."""
    if text.isprintable():
        return None  # the common case, decided in C (no Cc, Cf, Cs, Zl, Zp or unassigned)
    for character in text:
        if is_hidden(character):
            return f"U+{ord(character):04X}"
    return None


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of `a` and `b`, or `limit + 1` as soon as it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def close_matches(word: str, known: Iterable[str], most: int = 3) -> list[str]:
    """Up to `most` known names closest to `word`: case-insensitive, small edit distance.

    "Small" grows with the length (one edit for short names, two from 5 characters,
    three from 9), so `d003` finds `D003` and `D0O3` but not every four-character MRN.
    """
    typed = word.strip().casefold()
    limit = 1 if len(typed) < 5 else 2 if len(typed) < 9 else 3
    scored = []
    for name in known:
        distance = edit_distance(typed, name.casefold(), limit)
        if distance <= limit:
            scored.append((distance, name))
    scored.sort()
    return [name for _, name in scored[:most]]


def did_you_mean(matches: list[str]) -> str:
    """` (did you mean D003?)`, ` (did you mean D003 or D030?)`, or '' for no match."""
    if not matches:
        return ""
    names = matches[0] if len(matches) == 1 else ", ".join(matches[:-1]) + " or " + matches[-1]
    return f" (did you mean {names}?)"


__all__ = [
    "close_matches",
    "did_you_mean",
    "edit_distance",
    "is_hidden",
    "is_noncharacter",
    "spelled",
    "unprintable_character",
]
