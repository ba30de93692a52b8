"""A file name as a message prints it: one line, whatever the name holds.

A file name may hold a newline or any other control or format character (Linux allows
every byte but `/` and NUL). Printed raw, `report\\nImported 1 scan from 1 file.dcm`
forges a line of its own on the terminal or in the journal (issue 24). Every message
that names a file names it through `shown`: what output escapes anywhere
(`identifiers.is_hidden`: controls, format characters, separators, lone surrogates from
undecodable bytes, noncharacters), and here also newline and tab, which the output
layer lets through in text, are written as escapes (`\\x0a`, `\\u2028`), spelled as the
output layer spells them. The result holds none of them, so showing a shown name again
changes nothing (`Problem` shows its source, which may be shown already).
"""

from __future__ import annotations

from os import PathLike

from cervix_watch.domain.identifiers import is_hidden, spelled


def shown(path: str | PathLike[str]) -> str:
    """`path` as one printable line: control and format characters escaped."""
    text = str(path)
    if text.isprintable():
        return text  # the common case, decided in C
    return "".join(spelled(c) if is_hidden(c) else c for c in text)


__all__ = ["shown"]
