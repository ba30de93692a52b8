"""Whose report is it: the PatientID and PatientName of a scanner report (interop.md v3,
"Patient identity").

A real machine's PatientID is not always an MRN (one archive put the patient's full name
there), so a PatientID is an MRN only when it equals a stored MRN exactly, and matches
the scanner's `mrn_pattern` when one is set. Any other PatientID may be a name, so it is
never printed whole: `masked_patient_id` gives a form a person can tell apart and match
against the scanner's screen (its length and the first four hex digits of its sha256)
without reading it. Close MRNs are suggested to the person filing, never picked.

Where the record has a name and the report a PatientName, `names_match` compares them
(case, accents, punctuation and the order of the parts do not matter, but every part
does): a report whose name is not the record's is held, so a PatientID typed for the
wrong woman is caught, her sister's included.
Nothing here prints; the caller never prints either name.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

from cervix_watch.domain.identifiers import close_matches

# A PN value (PS3.5 6.2): component groups (alphabetic, ideographic, phonetic) split by
# `=`, components (family, given, middle, prefix, suffix) by `^`; `\` would separate
# values (PatientName has one, but a malformed report may hold more). A stored name is
# "Family, Given" or free text. All of these, and spaces, separate name tokens.
_GROUPS = re.compile(r"[=\\]")
_TOKEN_BREAKS = re.compile(r"[\^,\s]+")
# Written inside a name or left out at will ("O'Brien", "Smith-Jones", "St. Clair"):
# removed, so "OBrien" and "O'Brien" are one token.
_IGNORED = re.compile(r"[-.'’]")
HASH_DIGITS = 4


def masked_patient_id(pid: str) -> str:
    """`(unmatched id, N chars, #abcd)`: what may be shown of a PatientID that is not an MRN.

    N is its length in characters, abcd the first four hex digits of the sha256 of its
    UTF-8 bytes, so two reports from one (unnamed) patient show the same mask.
    """
    digest = hashlib.sha256(pid.encode("utf-8", "surrogateescape")).hexdigest()
    chars = "char" if len(pid) == 1 else "chars"
    return f"(unmatched id, {len(pid)} {chars}, #{digest[:HASH_DIGITS]})"


def is_mrn(
    pid: str, stored_mrns: Iterable[str], mrn_pattern: str | re.Pattern[str] | None = None
) -> bool:
    """Whether a PatientID is an MRN: equal to a stored MRN exactly (no trimming, no case
    folding), and a full match of the scanner's `mrn_pattern` when one is set."""
    if mrn_pattern is not None and re.fullmatch(mrn_pattern, pid) is None:
        return False
    return pid in set(stored_mrns)


def suggested_mrns(pid: str, stored_mrns: Iterable[str], most: int = 3) -> list[str]:
    """The stored MRNs closest to an unmatched PatientID, for the person filing to choose
    from (`inbox`); never used to file a report by itself."""
    return [mrn for mrn in close_matches(pid, stored_mrns, most=most) if mrn != pid]


def name_tokens(name: str) -> frozenset[str]:
    """The tokens of one name (or PN component group): case-folded, accents stripped
    (NFKD), `- . '` removed, split on `^`, `,` and spaces."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return frozenset(
        token for part in _TOKEN_BREAKS.split(bare) if (token := _IGNORED.sub("", part))
    )


def names_match(report_pn: str, stored_name: str) -> bool:
    """Whether the name on a report is the stored patient's (interop.md v3: case-folded,
    accents stripped, `^ = , - . '` and spaces removed, against each PN component group).

    A component group matches when it holds the stored name's tokens, in any order
    (issue 23.7: "Anna^Smith" is "Smith, Anna"), or the same letters once the separators
    are removed ("McDonald" is "Mc Donald"). One shared token is not a match: "Smith^Mary"
    is not "Smith, Anna" (a sister's report typed under Anna's MRN is held). Nothing to
    compare (either name empty) is not a mismatch: the caller compares only where both
    exist."""
    stored = _spelling(stored_name)
    groups = [_spelling(group) for group in _GROUPS.split(report_pn)]
    groups = [tokens for tokens in groups if tokens]
    if not stored or not groups:
        return True
    return any(_same_name(tokens, stored) for tokens in groups)


def _spelling(name: str) -> tuple[str, ...]:
    """A name's tokens in their order (`name_tokens`, keeping repeats and order)."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return tuple(token for part in _TOKEN_BREAKS.split(bare) if (token := _IGNORED.sub("", part)))


def _same_name(report: tuple[str, ...], stored: tuple[str, ...]) -> bool:
    return sorted(report) == sorted(stored) or "".join(report) == "".join(stored)


__all__ = [
    "is_mrn",
    "masked_patient_id",
    "name_tokens",
    "names_match",
    "suggested_mrns",
]
