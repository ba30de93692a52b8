"""`app.clinic`: which profile a command uses, and the review it computes from the store."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

import pytest
from tests.conftest import TODAY

from cervix_watch.app.clinic import (
    PROFILE_SETTING,
    clinic_review,
    resolve_profile,
    stored_default,
)
from cervix_watch.domain.models import Patient
from cervix_watch.rules import DEFAULT_PROFILE
from cervix_watch.store.store import Store

Item = TypeVar("Item")


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = Store.open(db_url)
    yield opened
    opened.close()


def test_without_a_database_or_option_the_built_in_default_is_used() -> None:
    """No store, no --profile: the built-in default profile."""
    assert resolve_profile(None, None).name == DEFAULT_PROFILE


def test_the_option_wins_over_the_stored_default(store: Store) -> None:
    """--profile is used whatever the database stores."""
    store.set_settings({PROFILE_SETTING: DEFAULT_PROFILE}, "tester", [PROFILE_SETTING])
    assert resolve_profile(store, "nice-ng25").name == "nice-ng25"


def test_a_default_stored_by_name_only_is_loaded_by_name(store: Store) -> None:
    """An older database stored only the name: it is loaded as a built-in or a path."""
    assert stored_default(store) is None
    store.set_settings({PROFILE_SETTING: "nice-ng25"}, "tester", [PROFILE_SETTING])
    default = stored_default(store)
    assert default is not None
    assert (default.name, default.toml, default.sha256) == ("nice-ng25", None, None)
    assert resolve_profile(store, None).name == "nice-ng25"


def test_the_review_passes_its_patients_through_the_track(store: Store) -> None:
    """The progress callback sees every active patient, labelled and counted."""
    store.add_patient(Patient(mrn="P1", edd=TODAY.replace(year=TODAY.year + 1, month=3)), "t")
    seen: list[tuple[str, int]] = []

    def track(items: Iterable[Item], label: str, total: int, /) -> Iterable[Item]:
        seen.append((label, total))
        return items

    review, histories = clinic_review(store, TODAY, resolve_profile(store, None), track=track)
    assert seen == [("Reviewing patients", 1)]
    assert list(histories) == ["P1"]
    assert [p.mrn for p in review.patients] == ["P1"]
