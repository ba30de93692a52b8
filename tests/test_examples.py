"""The project's copy of the worked examples (tests/data/examples) still equals the spec
folder's (../shared/examples), file by file, when that folder is beside the clone."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, REPO, in_ci

SPEC_EXAMPLES = REPO.parent / "shared" / "examples"


def _files(root: Path) -> dict[str, bytes]:
    """Every file under `root` by its relative path (Python's caches left out)."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_the_copy_of_the_worked_examples_equals_the_spec_folder() -> None:
    """Same files, same bytes: a change to the spec's examples is copied here, and the tests
    never edit their copy. Without ../shared (a clone on its own) there is nothing to compare."""
    if not SPEC_EXAMPLES.is_dir():
        if in_ci():
            pytest.fail(f"CI has the spec folder beside the clone, but {SPEC_EXAMPLES} is missing")
        pytest.skip(f"no spec folder to compare with: {SPEC_EXAMPLES} is absent")
    ours, theirs = _files(EXAMPLES), _files(SPEC_EXAMPLES)
    assert sorted(ours) == sorted(theirs), "copy: cp -r ../shared/examples/. tests/data/examples/"
    changed = [name for name in ours if ours[name] != theirs[name]]
    assert changed == [], f"differ from {SPEC_EXAMPLES}: {changed}"
