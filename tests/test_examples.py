"""The project's copy of the worked examples (tests/data/examples) is the one its manifest
(tests/data/examples.sha256) names, file by file; and when the spec folder's
../shared/examples is beside the clone, it equals that folder too."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, REPO, in_ci

SPEC_EXAMPLES = REPO.parent / "shared" / "examples"
# `sha256sum` lines ("<hex>  <path>"), sorted by path; `sha256sum -c` reads it in EXAMPLES
MANIFEST = EXAMPLES.parent / "examples.sha256"
REMAKE = (
    "cd tests/data/examples && find . -type f ! -path '*/__pycache__/*' | sed 's|^./||' "
    "| LC_ALL=C sort | xargs sha256sum > ../examples.sha256"
)


def _files(root: Path) -> dict[str, bytes]:
    """Every file under `root` by its relative path (Python's caches left out)."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def _digests(files: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}


def _manifest() -> dict[str, str]:
    """The manifest's digest of each file, by its relative path."""
    listed: dict[str, str] = {}
    for line in MANIFEST.read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    return listed


def test_the_manifest_is_sorted_by_path() -> None:
    """One line per file in path order, so a changed example is a one-line diff."""
    names = list(_manifest())
    assert names == sorted(names), f"remake it: {REMAKE}"


def test_the_copy_of_the_worked_examples_is_the_one_in_the_manifest() -> None:
    """Same files, same bytes as the committed manifest: the tests never edit their copy, and
    a clone with nothing beside it checks that too. With ../shared/examples beside the clone
    (always in CI), that folder equals the copy and the manifest as well: a change to the
    spec's examples is copied here and the manifest made again."""
    ours = _files(EXAMPLES)
    listed = _manifest()
    assert sorted(ours) == sorted(listed), f"files differ from the manifest; {REMAKE}"
    changed = [name for name, digest in _digests(ours).items() if listed[name] != digest]
    assert changed == [], f"differ from {MANIFEST.name}: {changed}"
    if not SPEC_EXAMPLES.is_dir():
        if in_ci():
            pytest.fail(f"CI has the spec folder beside the clone, but {SPEC_EXAMPLES} is missing")
        return
    theirs = _files(SPEC_EXAMPLES)
    assert sorted(ours) == sorted(theirs), "copy: cp -r ../shared/examples/. tests/data/examples/"
    changed = [name for name in ours if ours[name] != theirs[name]]
    assert changed == [], f"differ from {SPEC_EXAMPLES}: {changed}"
    assert _digests(theirs) == listed
