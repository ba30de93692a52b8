"""One DICOM UID pattern (PS3.5 9.1) for a scan's source and the SR reader."""

from __future__ import annotations

import pytest

from cervix_watch.domain.errors import InputError
from cervix_watch.domain.models import Scan
from cervix_watch.domain.problems import build
from cervix_watch.domain.uids import MAX_UID, SOURCE_PREFIX, is_uid, source_of, uid_of


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("1.2.840.10008.1.1", True),
        ("0", True),
        ("1.0.3", True),  # "0" alone is a component
        ("1.02.3", False),  # a leading zero
        ("01.2", False),
        ("1..2", False),
        ("1.2.", False),
        ("", False),
        ("1.2a", False),
        ("1." + "2" * (MAX_UID - 2), True),  # 64 characters
        ("1." + "2" * (MAX_UID - 1), False),  # 65
    ],
)
def test_a_uid_is_what_ps3_5_allows(text: str, valid: bool) -> None:
    """Digits and dots, no leading zero in a component but "0" itself, at most 64 characters."""
    assert is_uid(text) is valid


def test_a_source_names_its_uid() -> None:
    """`dicom-sr:<UID>` names the UID; a typed scan's empty source or a bad UID names none."""
    assert source_of("1.2.3") == f"{SOURCE_PREFIX}1.2.3" == "dicom-sr:1.2.3"
    assert uid_of("dicom-sr:1.2.3") == "1.2.3"
    assert uid_of("") is None
    assert uid_of("1.2.3") is None
    assert uid_of("dicom-sr:1.02.3") is None


@pytest.mark.parametrize(("uid", "valid"), [("1.20.3", True), ("1.020.3", False)])
def test_the_scan_model_takes_the_same_uids(uid: str, valid: bool) -> None:
    """A scan's source is refused exactly when its UID is (one pattern, both places)."""
    values = {"mrn": "P1", "date": "2026-10-13", "cl_mm": (25,), "source": source_of(uid)}
    if valid:
        assert build(Scan, values).source == f"dicom-sr:{uid}"
    else:
        with pytest.raises(InputError, match="source"):
            build(Scan, values)
