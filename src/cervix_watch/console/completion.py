"""Shell completion of values (issue 21, honest options): what a closed vocabulary takes.

Each function gets the word typed so far and returns the values that start with it,
from the one place each vocabulary is declared (the domain enums, the symptom names,
the built-in profiles), so completion cannot drift from what the command accepts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import Enum


def _starting(values: Iterable[str], incomplete: str) -> list[str]:
    return [value for value in values if value.startswith(incomplete)]


def _enum_values(vocabulary: type[Enum]) -> Callable[[str], list[str]]:
    def complete(incomplete: str) -> list[str]:
        return _starting((str(member.value) for member in vocabulary), incomplete)

    return complete


def profiles(incomplete: str) -> list[str]:
    """The built-in profiles (a file path is the shell's own completion)."""
    from cervix_watch.rules import builtin_profile_names

    return _starting(builtin_profile_names(), incomplete)


def symptoms(incomplete: str) -> list[str]:
    from cervix_watch.domain.symptoms import Symptom

    return _enum_values(Symptom)(incomplete)


def actions(incomplete: str) -> list[str]:
    from cervix_watch.domain.enums import Action

    return _enum_values(Action)(incomplete)


def discussion_outcomes(incomplete: str) -> list[str]:
    from cervix_watch.domain.enums import Outcome

    return _enum_values(Outcome)(incomplete)


def close_outcomes(incomplete: str) -> list[str]:
    from cervix_watch.domain.enums import CloseOutcome

    return _enum_values(CloseOutcome)(incomplete)


def routes(incomplete: str) -> list[str]:
    from cervix_watch.domain.enums import Route

    return _enum_values(Route)(incomplete)


def treatment_types(incomplete: str) -> list[str]:
    from cervix_watch.domain.enums import TreatmentType

    return _enum_values(TreatmentType)(incomplete)


def treatment_kinds(incomplete: str) -> list[str]:
    """Cerclage kinds and progesterone formulations (the type is not known yet)."""
    from cervix_watch.domain.enums import CerclageKind, ProgesteroneKind

    kinds = [*(k.value for k in CerclageKind), *(k.value for k in ProgesteroneKind if k.value)]
    return _starting(kinds, incomplete)
