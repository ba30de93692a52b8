"""Patient identity of a scanner report (interop.md v3): the masked PatientID, what is an
MRN, the MRNs suggested for an unmatched one, and the comparison of names."""

from __future__ import annotations

import hashlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cervix_watch.interop.identity import (
    is_mrn,
    masked_patient_id,
    name_tokens,
    names_match,
    suggested_mrns,
)

MASK = re.compile(r"\(unmatched id, [0-9]+ chars?, #[0-9a-f]{4}\)")
MRNS = ["H100234", "H100243", "D003", "X-77"]


def test_masked_id_is_length_and_first_four_hex_digits_of_sha256() -> None:
    """`(unmatched id, N chars, #abcd)`: N characters, the first four hex digits of sha256."""
    pid = "QUILLFEATHER ZYXANDRA"
    digest = hashlib.sha256(pid.encode()).hexdigest()
    assert masked_patient_id(pid) == f"(unmatched id, 21 chars, #{digest[:4]})"


def test_masked_id_counts_characters_not_bytes() -> None:
    """A Latin-1 name decoded to text counts its characters (ö is one), hashed as UTF-8."""
    pid = "Jörgensdóttir"
    digest = hashlib.sha256(pid.encode("utf-8")).hexdigest()[:4]
    assert masked_patient_id(pid) == f"(unmatched id, 13 chars, #{digest})"


@pytest.mark.parametrize(("pid", "chars"), [("7", "1 char"), ("77", "2 chars"), ("", "0 chars")])
def test_masked_id_says_char_for_one(pid: str, chars: str) -> None:
    """One character is "1 char"; any other count "N chars"."""
    assert masked_patient_id(pid).startswith(f"(unmatched id, {chars}, #")


@given(st.text(max_size=40))
def test_masked_id_shows_only_its_length_and_hash(pid: str) -> None:
    """Whatever the id, the mask has the one fixed shape (no character of the id in it)."""
    masked = masked_patient_id(pid)
    assert MASK.fullmatch(masked)
    assert masked == masked_patient_id(pid)


def test_masked_ids_differ_for_different_ids() -> None:
    """Two different patients' ids (almost always) show different masks."""
    assert masked_patient_id("Smith^Anna") != masked_patient_id("Smith^Anne")


@pytest.mark.parametrize(
    ("pid", "pattern", "expected"),
    [
        ("H100234", None, True),  # equal to a stored MRN
        ("H100235", None, False),  # one digit off
        ("h100234", None, False),  # case differs: not the same MRN
        (" H100234", None, False),  # no trimming
        ("H100234 ", None, False),
        ("H10023", None, False),  # a prefix of an MRN
        ("D003", r"^H[0-9]{6}$", False),  # stored, but not the scanner's pattern
        ("H100234", r"^H[0-9]{6}$", True),  # stored and the pattern
        ("H100234", r"H[0-9]{5}", False),  # the pattern must match the whole id
        ("H999999", r"^H[0-9]{6}$", False),  # the pattern alone is not enough
    ],
)
def test_a_patient_id_is_an_mrn_only_when_equal_to_a_stored_one(
    pid: str, pattern: str | None, expected: bool
) -> None:
    """Exactly equal to a stored MRN, and a whole match of `mrn_pattern` when set."""
    assert is_mrn(pid, MRNS, pattern) is expected


def test_close_mrns_are_suggested_never_the_id_itself() -> None:
    """MRNs a few edits off are suggested, nearest first; an exact MRN is not a suggestion."""
    assert suggested_mrns("H100235", MRNS) == ["H100234", "H100243"]
    assert suggested_mrns("H100234", MRNS) == ["H100243"]
    assert suggested_mrns("d003", MRNS) == ["D003"]
    assert suggested_mrns("Quillfeather Zyxandra", MRNS) == []


@pytest.mark.parametrize(
    ("name", "tokens"),
    [
        ("Smith^Anna", {"smith", "anna"}),
        ("SMITH, Anna", {"smith", "anna"}),
        ("  smith   anna ", {"smith", "anna"}),
        ("Núñez^José", {"nunez", "jose"}),
        ("O'Brien^Mary-Kate", {"obrien", "marykate"}),
        ("St. Clair^Ann", {"st", "clair", "ann"}),
        ("Straße", {"strasse"}),  # case folding, not only lower-casing
        ("^^^", set()),
        ("", set()),
    ],
)
def test_name_tokens(name: str, tokens: set[str]) -> None:
    """Tokens are case-folded, accents stripped, `- . '` removed, split on `^ ,` and spaces."""
    assert name_tokens(name) == tokens


@pytest.mark.parametrize(
    ("report_pn", "stored"),
    [
        ("Smith^Anna", "Smith, Anna"),  # the usual pair
        ("SMITH^ANNA", "Smith, Anna"),  # case
        ("Anna^Smith", "Smith, Anna"),  # order free
        ("Smith Anna", "Smith, Anna"),  # the whole name in the family component
        ("Mc Donald^Anna", "McDonald, Anna"),  # spaces removed (interop.md)
        ("Smith^Anna^^^", "Anna Smith"),  # empty components
        ("Nunez^Jose", "Núñez, José"),  # accents on the record only
        ("Núñez^José", "Nunez, Jose"),  # accents on the report only
        ("OBrien^MaryKate", "O'Brien, Mary-Kate"),  # apostrophe and hyphen removed
        ("Smith-Jones^Kate", "Smithjones, Kate"),  # hyphen removed
        ("Smith-Jones^Kate", "Smith Jones, Kate"),  # a hyphen or a space: the same letters
        ("=山田^花子", "山田, 花子"),  # the ideographic group
        ("Yamada^Hanako=山田^花子=やまだ^はなこ", "山田 花子"),  # any group may match
        ("Yamada^Hanako=山田^花子", "Yamada Hanako"),
        ("", "Smith, Anna"),  # nothing on the report: nothing to compare
        ("Smith^Anna", ""),  # no stored name: nothing to compare
        ("^^", "Smith, Anna"),  # only separators: nothing to compare
    ],
)
def test_names_that_match(report_pn: str, stored: str) -> None:
    """These report names can be the stored patient's."""
    assert names_match(report_pn, stored)


@pytest.mark.parametrize(
    ("report_pn", "stored"),
    [
        ("Brown^Mary", "Smith, Anna"),  # another woman
        ("Smyth^Anne", "Smith, Anna"),  # close is not equal
        ("Smith-Jones^Kate", "Smith, Anna"),  # a hyphenated name is one token
        ("Quillfeather^Zyxandra", "Núñez, José"),
        ("=山田^花子", "Yamada, Hanako"),  # no group in the stored script
        ("Yamada^Hanako=山田^花子", "Tanaka Yuki"),
        ("Ann^Smithe", "Anna Smith"),  # a token is compared whole, not as a prefix
        ("Smith^Mary", "Smith, Anna"),  # one shared token is not a match: her sister
        ("Smith^Anne", "Smith, Anna"),  # nor a close given name
        ("Smith", "Smith, Anna"),  # the family name alone: held for a person
        ("Smith^Anna^Marie", "Smith, Anna"),  # a part more
        ("Yamada^Hanako=山田^花子", "Yamada"),  # a part fewer
    ],
)
def test_names_that_differ(report_pn: str, stored: str) -> None:
    """No component group holds the stored name's tokens (in any order): a mismatch."""
    assert not names_match(report_pn, stored)


@given(st.lists(st.sampled_from(["Smith", "Anna", "Maria", "Núñez"]), min_size=1, max_size=4))
def test_names_match_in_any_order_and_case(parts: list[str]) -> None:
    """A name matches itself in any order, upper-cased, and joined by `^` or spaces."""
    stored = ", ".join(parts)
    assert names_match("^".join(reversed(parts)).upper(), stored)
    assert names_match(" ".join(parts).lower(), stored)


def test_mrn_pattern_may_be_compiled() -> None:
    """The scanner settings hold `mrn_pattern` compiled; it is applied the same way."""
    assert is_mrn("H100234", MRNS, re.compile(r"H[0-9]{6}"))
    assert not is_mrn("D003", MRNS, re.compile(r"H[0-9]{6}"))
