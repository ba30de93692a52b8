"""What a profile is called in every output (contract v3, "profile identity").

A clinic that exported `nice-ng25`, changed 25 mm to 28 mm and kept the name had
its review headed "Profile: nice-ng25", as if it were the guideline as shipped.
So: a profile whose rules are a built-in's, name included, is that built-in
(its comments and layout may differ: an older export still reads as the
built-in); any other profile is custom, named by its own `name` and the sha256 of
its text; and a custom profile may not take a built-in's name.
"""

from __future__ import annotations

import hashlib

from cervix_watch.domain.errors import InputError, Problem
from cervix_watch.rules.profile import Profile, builtin_profile, builtin_profile_names

# the loader's own fields, not rules: where the text came from and its identity
_NOT_RULES = {"source", "sha256"}
SHORT_SHA = 8


def identified(data: bytes, profile: Profile) -> Profile:
    """`profile` (read from `data`, a file or the database) as a built-in or as custom.

    InputError when it takes a built-in's name with other rules: "rename it".
    """
    rules = profile.model_dump(exclude=_NOT_RULES)
    for name in builtin_profile_names():
        if rules == builtin_profile(name).model_dump(exclude=_NOT_RULES):
            return profile.model_copy(update={"sha256": None})
    if profile.name in builtin_profile_names():
        message = f"rename it: {profile.name!r} is a built-in profile"
        raise InputError(Problem("name", message, source=profile.source or None))
    return profile.model_copy(update={"sha256": hashlib.sha256(data).hexdigest()})


def profile_label(profile: Profile) -> str:
    """`nice-ng25`, or `custom profile 'our-unit' (sha256 1a2b3c4d...)`: for every header."""
    return identity_label(profile.name, profile.sha256)


def identity_label(name: str, sha256: str | None) -> str:
    """`profile_label` from a result's stored name and sha256 (None: a built-in)."""
    if sha256 is None:
        return name
    return f"custom profile '{name}' (sha256 {sha256[:SHORT_SHA]}...)"


def identity_json(name: str, sha256: str | None) -> dict[str, str]:
    """`{"profile": name}`, plus `"profile_sha256"` for a custom profile: every JSON output."""
    return {"profile": name} if sha256 is None else {"profile": name, "profile_sha256": sha256}
