"""FHIR resources as NDJSON lines, each resource's layout checked by fhir.resources once.

A speed trick with its plain path beside it (the `store/speed.py` pattern, issue 25.4):

- the plain path, `checked_line`: the resource built by its R4B model, dumped, and that
  line read back by the model to the same resource. About 1.3 ms an Observation: a
  50,000-patient clinic's 300,000 resources took minutes.
- the fast path, `LayoutChecked.line`: the line is pydantic-core's `to_json` of the
  resource's data (built in FHIR's element order). Its *layout* is that line with every
  value replaced by its class (below). The first resource of each layout goes through
  the plain path, and its fast line must equal the model's byte for byte; then every
  later resource of that layout is written as its fast line. A layout whose line differs
  from the model's stays on the plain
  path. tests/interop/test_fhirlines.py checks fast == plain on generated clinics.

The check is never skipped: a value is classed only when any value of its class is
valid wherever one of them was (`_CLASSES`); any other value (empty, edge spaces, an
exponent, a character JSON must escape or FHIR forbids) stays literally in the layout,
so a resource holding it is checked by the model on its own.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic_core import PydanticSerializationError, to_json

# A character json.dumps escapes (it writes a backslash: a quote, a backslash, a control
# character) or one FHIR forbids in a string that it does not escape: such a resource takes
# the plain path (which drops the forbidden characters first, `fhir_text`).
_UNUSUAL = re.compile(r"[\\\x7f-\x9f\ud800-\udfff]")
# JSON numbers (between the strings of a line) are classed by their shape, each digit `9`
# (`24.5` and `31.2` are `99.9`, `-3` is `-9`): one `str.translate` of the structure, where
# two regular-expression passes cost a third of the layout. A number with an exponent keeps
# the whole structure literal (checked on its own).
_DIGITS = str.maketrans("0123456789", "9999999999")
# The classes of string values, each valid for every FHIR primitive one of its members was
# valid for (in the place the layout fixes): an ISO date as `date.isoformat` writes it
# (dateTime, date, string); an id-safe token of at most 64 characters (id, code, uri,
# string); text without whitespace (code, uri, string); words with single spaces
# (code, string). Any other string (empty, edge or double spaces) is its own class.
_CLASSES = (
    ("d", re.compile(r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])")),
    ("t", re.compile(r"[A-Za-z0-9.\-]{1,64}")),
    ("u", re.compile(r"\S+")),
    ("s", re.compile(r"\S+(?: \S+)*")),
)
_MAX_LAYOUTS = 10_000
# FHIR's string (`[ \r\n\t\S]+`): "SHALL NOT contain Unicode character points below 32,
# except for u0009, u000D and u000A". Those are dropped from every text exported, and so
# are DEL, C1 controls and lone surrogates, which no receiving system can use either.
_FORBIDDEN_IN_STRINGS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def fhir_text(text: str) -> str:
    """`text` as a FHIR string may hold it: the control characters FHIR forbids dropped."""
    return _FORBIDDEN_IN_STRINGS.sub("", text)


def cleaned(value: Any) -> Any:
    """Every string in a resource's data made a valid FHIR string (`fhir_text`)."""
    if isinstance(value, str):
        return fhir_text(value)
    if isinstance(value, dict):
        return {key: cleaned(item) for key, item in value.items()}
    if isinstance(value, list):
        return [cleaned(item) for item in value]
    return value  # beyond this many layouts every resource takes the plain path


def checked_line(model: Any, data: dict[str, Any]) -> str:
    """The plain path: the resource's line built by its R4B model from `data` (`cleaned`),
    and that very line read back by the model to the same resource; ValueError if not."""
    resource = model.model_validate(cleaned(data))
    line = str(resource.model_dump_json(exclude_none=True))
    if model.model_validate_json(line) != resource:
        raise ValueError(f"{data['resourceType']} does not round-trip through fhir.resources")
    return line + "\n"


def _class_of(text: str) -> str:
    for name, pattern in _CLASSES:
        if pattern.fullmatch(text):
            return name
    return f'"{text}"'  # kept literally: a resource holding it is checked on its own


def layout_of(line: str, known: dict[str, str] | None = None) -> str:
    """`line` (a JSON line without escapes) as its layout: the keys, each string value's
    class (`_CLASSES`), and the structure between the strings with each number's shape
    (`_DIGITS`). `known` remembers the class of each string value seen (constants and
    dates repeat)."""
    memo = {} if known is None else known
    parts = line.split('"')  # no escapes: the odd parts are the strings, in order
    strings = [
        text if after[0] == ":" else memo.get(text) or _remembered(memo, text)
        for text, after in zip(parts[1::2], parts[2::2], strict=True)
    ]
    structure = "|".join(parts[0::2])
    shape = structure.translate(_DIGITS)
    if "9e" not in shape and "9E" not in shape:
        structure = shape
    return "\x1f".join(strings) + "\x1e" + structure


def _remembered(memo: dict[str, str], text: str) -> str:
    value = _class_of(text)
    if len(memo) < _MAX_LAYOUTS:
        memo[text] = value
    return value


class LayoutChecked:
    """NDJSON lines of one export: each distinct layout checked by fhir.resources once."""

    def __init__(self) -> None:
        # layout -> whether our line was the model's (then later ones are written as ours)
        self._layouts: dict[str, bool] = {}
        self._classes: dict[str, str] = {}  # value -> its class (`layout_of`)
        self.checked = 0  # resources that went through the model (for tests and the bench)

    def line(self, model: Any, data: dict[str, Any]) -> str:
        """The resource's NDJSON line, with its newline, as `checked_line` gives it."""
        try:
            fast = to_json(data).decode()  # compact, UTF-8, floats as the model writes them
        except PydanticSerializationError:  # a lone surrogate: dropped by the plain path
            return self._plain(model, data)
        if "\\" in fast or "\x7f" in fast or (not fast.isascii() and _UNUSUAL.search(fast)):
            return self._plain(model, data)
        layout = layout_of(fast, self._classes)
        known = self._layouts.get(layout)
        if known is None:
            plain = self._plain(model, data)
            if len(self._layouts) < _MAX_LAYOUTS:
                self._layouts[layout] = plain == fast + "\n"
            return plain
        return fast + "\n" if known else self._plain(model, data)

    def _plain(self, model: Any, data: dict[str, Any]) -> str:
        self.checked += 1
        return checked_line(model, data)


__all__ = ["LayoutChecked", "checked_line", "cleaned", "fhir_text", "layout_of"]
