"""Text from the data made inert for a terminal, Markdown, CSV or JSON: escaped by category.

What is escaped is decided by Unicode category, not by a list (`domain.identifiers.
is_hidden`): every control (Cc) but tab and newline, every format character (Cf: zero-
width and bidirectional controls, U+061C, U+2060, U+FEFF, the soft hyphen, tag
characters, interlinear annotations), line and paragraph separators (Zl, Zp), lone
surrogates (Cs) and noncharacters. A new format character in a later Unicode version is
escaped without a change here.

Text is spelled `\\x1b`, `\\u202e`, `\\U000e0041`; JSON gets `\\u` escapes (a character
beyond U+FFFF as its surrogate pair), so the document is the same data, still valid.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from cervix_watch.domain.identifiers import is_hidden, spelled

# Runs of characters that may need escaping: all but tab, newline and printable ASCII,
# so plain text is passed over by the regex engine.
_CANDIDATES = re.compile(r"[^\t\n\x20-\x7e]+")
_PLAIN_ASCII = bytes(range(0x20, 0x7F)) + b"\t\n"


def plain_ascii(text: str) -> bool:
    """Whether `text` has no `_CANDIDATES` (printable ASCII, tabs and newlines only): then
    nothing is escaped. Decided in C, a tenth of the regex pass with nothing to replace
    (an `export fhir --ndjson` line; tests/cli/test_escapes.py compares the two)."""
    return text.isascii() and not text.encode("ascii").translate(None, _PLAIN_ASCII)


def json_escape(character: str) -> str:
    code = ord(character)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _escaper(spell: Callable[[str], str]) -> Callable[[str], str]:
    def escape_run(match: re.Match[str]) -> str:
        run = match.group()
        if run.isprintable():  # decided in C: no Cc, Cf, Cs, Zl, Zp or unassigned in it
            return run
        return "".join(spell(c) if is_hidden(c) else c for c in run)

    def escape(text: str) -> str:
        return text if plain_ascii(text) else _CANDIDATES.sub(escape_run, text)

    return escape


# `text` with every hidden character spelled as an escape (terminal, Markdown, CSV).
escape_text = _escaper(spelled)
# A JSON document with every hidden character raw in it written as a `\u` escape.
escape_json = _escaper(json_escape)

__all__ = ["escape_json", "escape_text", "json_escape", "plain_ascii"]
