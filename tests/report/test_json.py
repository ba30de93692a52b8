"""`review --format json` is exactly the engine's `Review.to_json_dict()`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from cervix_watch.console import clinic, context
from cervix_watch.rules import load_profile
from tests.conftest import Cli
from tests.report.conftest import AS_OF


def test_json_is_the_review_to_json_dict(loaded: Cli, db_path: Path) -> None:
    """The printed JSON equals `to_json_dict()` of the review computed from the same database."""
    printed = json.loads(loaded("review", "--as-of", AS_OF, "--format", "json").stdout)
    state = context.State(db=str(db_path), debug=False)
    review, _ = clinic.clinic_review(state, date.fromisoformat(AS_OF), load_profile("acog-smfm"))
    state.store().engine.dispose()
    assert printed == review.to_json_dict()
