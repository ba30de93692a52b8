"""What a profile is called in every output (contract v3, "profile identity").

A clinic that exported `nice-ng25`, changed 25 mm to 28 mm and kept the name had
its review headed "Profile: nice-ng25", as if it were the guideline as shipped.
So a profile whose rules are a built-in's is named as that built-in, any other as
custom, by its own `name` and the sha256 of its text (the loader decides which:
`rules.profile`); a custom profile may not take a built-in's name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cervix_watch.rules.profile import Profile

SHORT_SHA = 8


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
