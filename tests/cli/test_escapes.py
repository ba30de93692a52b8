"""cli.escapes: every code point of the escaped categories is escaped, every other one kept,
checked over the whole of Unicode with `unicodedata` (not against a list)."""

from __future__ import annotations

import json
import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cervix_watch.console.escapes import _CANDIDATES, escape_json, escape_text, plain_ascii
from cervix_watch.domain.identifiers import unprintable_character

ESCAPED_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}
KEPT = "\t\n"
EVERY_CHARACTER = "".join(map(chr, range(sys.maxunicode + 1)))


def must_escape(character: str) -> bool:
    """The table: the categories, plus the 66 noncharacters (U+FDD0-FDEF, U+xFFFE/xFFFF)."""
    code = ord(character)
    noncharacter = 0xFDD0 <= code <= 0xFDEF or code % 0x10000 in (0xFFFE, 0xFFFF)
    category = unicodedata.category(character) in ESCAPED_CATEGORIES
    return (category or noncharacter) and character not in KEPT


ESCAPED = [c for c in EVERY_CHARACTER if must_escape(c)]


def spelled(character: str) -> str:
    code = ord(character)
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else f"\\U{code:08x}"
    )


def test_the_table_is_what_the_categories_say() -> None:
    """Sanity of the table itself: C0, C1, bidi, tags, separators, surrogates, noncharacters."""
    codes = {ord(c) for c in ESCAPED}
    assert {0x00, 0x1B, 0x7F, 0x9B, 0xAD, 0x61C, 0x200B, 0x2028, 0x2029, 0x202E} <= codes
    assert {0x2060, 0x206E, 0xFEFF, 0xFFF9, 0xE0001, 0xE0041, 0xE007F} <= codes
    assert {0xD800, 0xDFFF, 0xFDD0, 0xFFFE, 0x10FFFF} <= codes
    assert {0x09, 0x0A, 0x20, 0xA0, 0x3000, 0xE000} & codes == set()


def test_every_character_of_the_table_is_escaped_and_no_other() -> None:
    """All 1,114,112 code points in one text: the escaped ones spelled, the rest unchanged."""
    expected = "".join(spelled(c) if must_escape(c) else c for c in EVERY_CHARACTER)
    assert escape_text(EVERY_CHARACTER) == expected


@pytest.mark.parametrize("character", ESCAPED[:: max(1, len(ESCAPED) // 100)])
def test_each_escaped_character_alone(character: str) -> None:
    """One at a time, between words: the escape, never the character."""
    assert escape_text(f"a{character}b") == f"a{spelled(character)}b"


def test_json_carries_every_character_as_the_same_data() -> None:
    """JSON: nothing of the table raw in the document, and it parses back to the same text
    (spaced: two lone surrogates side by side would read back as one pair)."""
    spaced = " ".join(EVERY_CHARACTER)
    document = escape_json(json.dumps(spaced, ensure_ascii=False))
    assert [c for c in document if must_escape(c) or c in KEPT] == []
    assert json.loads(document) == spaced
    assert escape_json('"\U000e0041"') == '"\\udb40\\udc41"'


def test_identifiers_refuse_the_same_table() -> None:
    """An MRN or operator may hold none of what output would escape (tab and newline too)."""
    refused = {c for c in EVERY_CHARACTER if unprintable_character(c) is not None}
    assert refused == set(ESCAPED) | set(KEPT)


ASCII_AND_MORE = st.text(st.characters(max_codepoint=0x7F) | st.sampled_from("é\u202e\x85😀"))


@given(ASCII_AND_MORE)
def test_plain_ascii_is_text_without_a_candidate(text: str) -> None:
    """The fast path: `plain_ascii` exactly when the regex finds nothing to look at."""
    assert plain_ascii(text) is (_CANDIDATES.search(text) is None)


def test_every_character_of_ascii_one_at_a_time() -> None:
    """Each of the 128 ASCII characters, alone and in a plain line: kept exactly when printable,
    a tab or a newline (the plain path's judgement)."""
    for code in range(0x80):
        character = chr(code)
        for text in (character, f'{{"a":"b{character}c"}}\n'):
            assert plain_ascii(text) is (_CANDIDATES.search(text) is None), code
