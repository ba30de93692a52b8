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


# A progesterone course's formulation (ProgesteroneKind) in a clinician's words.
_FORMULATIONS = {
    "vaginal": "vaginal progesterone",
    "oral": "oral progesterone",
    "im-17ohpc": "intramuscular 17-OHPC",
}


def treatment_words(treatment_type: str, kind: str | None) -> str:
    """How every output names a treatment (its type and kind, as stored):
    `history-indicated cerclage`, `transabdominal cerclage`, `vaginal progesterone`,
    `progesterone (formulation not recorded)`, `pessary`."""
    if treatment_type == "progesterone":
        return _FORMULATIONS.get(kind or "", "progesterone (formulation not recorded)")
    if treatment_type == "cerclage" and kind == "transabdominal":
        return "transabdominal cerclage"
    if treatment_type == "cerclage" and kind:
        return f"{kind}-indicated cerclage"
    return treatment_type
