"""The clinic audit (audit.md) of a period: the quarter's measures from the store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cervix_watch.app.clinic import clinic_review
from cervix_watch.app.progress import Track, untracked

if TYPE_CHECKING:
    from datetime import date

    from cervix_watch.audit import ClinicAudit
    from cervix_watch.rules import Profile
    from cervix_watch.store.store import Store


def period_audit(
    store: Store, period_from: date, period_to: date, profile: Profile, track: Track = untracked
) -> ClinicAudit:
    """The measures of the pregnancies due in the period; open points as of its last day."""
    from cervix_watch.audit import clinic_audit, edd_range
    from cervix_watch.store.auditread import audit_records

    # spec: open_points come from the review engine as of `to`
    review, _ = clinic_review(store, period_to, profile, track=track)
    records = audit_records(store, *edd_range(period_from, period_to), as_of=period_to)
    return clinic_audit(records, profile, period_from, period_to, review)


__all__ = ["period_audit"]
