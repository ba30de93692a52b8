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
    when it is a built-in as an earlier release shipped it, whose rules this version's
    built-in of that name no longer has.

    Such a default is the clinic's choice and stays in force, named as custom by its
    sha256 (`rules.profile.stored_profile`): a release never changes a clinic's rules
    without a person, and every workstation on a shared database reviews with the same
    rules whatever its release. Refusing it (as an edited built-in) locked the clinic out
    of its review and `listen` out of its reports. The line says so until `rules default
    NAME` (audited) adopts this version's rules. A stored text that does not validate is
    still refused: damaged, it is no one's choice.
    """
    from cervix_watch.rules import DEFAULT_PROFILE, load_profile
    from cervix_watch.rules.profile import stored_profile

    default = stored_default(store)
    if default is None:
        return load_profile(DEFAULT_PROFILE), None
    if default.toml is None:
        return load_profile(default.name), None  # stored by name (or path) by an older version
    source = f"default profile {default.name}"
    profile, earlier = stored_profile(default.toml.encode("utf-8"), source)
    if earlier is None:
        return profile, None
    return profile, earlier_builtin_line(profile)


def earlier_builtin_line(profile: Profile) -> str:
    """The one line (without `warning: `) said while the stored default is a built-in as an
    earlier release shipped it (`default_profile`)."""
    from cervix_watch.rules.identity import profile_label

    name = profile.name
    return (
        f"profile: this database's default is {name} as an earlier release shipped it, and "
        f"this version's {name} has other rules; the stored rules are used, as "
        f"{profile_label(profile)}: 'cervix-watch rules default {name}' adopts this version's"
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
    "clinic_review",
    "default_profile",
    "earlier_builtin_line",
    "resolve_profile",
    "stored_default",
]
