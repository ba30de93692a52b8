"""The clinic's profile and review: the bridge from stored records to the engine.

One bulk read of the store (one query per table) feeds one pass of the engine;
renderers get the `Review` and never recompute a rule. Shared by review, due,
patient list and show, and the flags a new record raised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from cervix_watch.app.progress import Track, untracked
from cervix_watch.bulk import collector_paused

if TYPE_CHECKING:
    from cervix_watch.rules import PatientHistory, Profile, Review
    from cervix_watch.store.store import Store

# The clinic's default profile, stored by content: its name, its TOML text and the
# text's sha256 (contract.md, "Database selection"). A database written before the
# profile was stored by content holds only a name or path under PROFILE_SETTING.
PROFILE_SETTING = "default_profile"
PROFILE_TOML_SETTING = "default_profile_toml"
PROFILE_SHA_SETTING = "default_profile_sha256"


@dataclass(frozen=True)
class StoredDefault:
    """The database's default profile as stored: name, TOML text, and the text's sha256."""

    name: str
    toml: str | None
    sha256: str | None


def stored_default(store: Store) -> StoredDefault | None:
    name = store.get_setting(PROFILE_SETTING)
    if name is None:
        return None
    return StoredDefault(
        name, store.get_setting(PROFILE_TOML_SETTING), store.get_setting(PROFILE_SHA_SETTING)
    )


def resolve_profile(store: Store | None, option: str | None) -> Profile:
    """--profile, else the database's stored default, else the built-in default.

    `store` None: no database is consulted (a caller with `option` need not open one).
    Commands that write call this before writing, so a profile that does not load
    fails the command with nothing saved.
    """
    from cervix_watch.rules import DEFAULT_PROFILE, load_profile

    if option:
        return load_profile(option)
    if store is None:
        return load_profile(DEFAULT_PROFILE)
    return default_profile(store)[0]


def default_profile(store: Store) -> tuple[Profile, str | None]:
    """The database's stored default (else the built-in default), and the one line to say
    when it is a built-in whose rules this version changed since it was stored.

    A built-in's name is stored only with that built-in's text (`rules default` refuses an
    edited built-in that keeps its name), so a stored text that validates under a
    built-in's name with other rules was written by an earlier release. Refusing it locked
    the clinic out of its review, and `listen` out of its reports (every one refused); the
    clinic chose the built-in, so this version's is used, and the line says so until
    `rules default NAME` stores it (audited), as a person accepting the change. A stored
    text that does not validate is still refused: damaged, it is no one's choice.
    """
    from cervix_watch.rules import DEFAULT_PROFILE, load_profile, profile_from_toml
    from cervix_watch.rules.profile import EditedBuiltin

    default = stored_default(store)
    if default is None:
        return load_profile(DEFAULT_PROFILE), None
    if default.toml is None:
        return load_profile(default.name), None  # stored by name (or path) by an older version
    source = f"default profile {default.name}"
    try:
        return profile_from_toml(default.toml.encode("utf-8"), source), None
    except EditedBuiltin as earlier_release:
        name = earlier_release.name
    return load_profile(name), changed_builtin_line(name)


def changed_builtin_line(name: str) -> str:
    """The one line (without `warning: `) said while a stored built-in default's rules
    differ from this version's."""
    return (
        f"profile: the rules of the built-in profile {name} changed since it was stored as "
        f"this database's default; this version's are used: 'cervix-watch rules default "
        f"{name}' stores them and ends this warning"
    )


def clinic_review(
    store: Store,
    as_of: date,
    profile: Profile,
    mrn: str | None = None,
    *,
    active_only: bool | None = None,
    track: Track = untracked,
) -> tuple[Review, dict[str, PatientHistory]]:
    """The review of every active patient (or one) and the histories it was computed from.

    The clinic's active patients are selected in SQL (`store.reads.active_patient_ids`):
    the review and `due` read what the active pregnancies cost, not the history. One
    patient (`patient show`) is read whatever her state unless `active_only` (the acute
    point of `scan add` / `exam add`: an inactive patient is not reviewed).
    """
    from cervix_watch.rules import review_clinic
    from cervix_watch.store.reads import ActiveOn

    if active_only is None:
        active_only = mrn is None
    active = ActiveOn(as_of, profile.active_before) if active_only else None
    with collector_paused():
        histories = {h.patient.mrn: h for h in store.patient_files(mrn, active=active)}
        each = track(histories.values(), "Reviewing patients", len(histories))
        return review_clinic(each, as_of, profile), histories


__all__ = [
    "PROFILE_SETTING",
    "PROFILE_SHA_SETTING",
    "PROFILE_TOML_SETTING",
    "StoredDefault",
    "changed_builtin_line",
    "clinic_review",
    "default_profile",
    "resolve_profile",
    "stored_default",
]
