"""The collector pause of the core's bulk operations (`cervix_watch.bulk`): what it leaves
behind, and that a clinic's reports are the same with it as without it."""

from __future__ import annotations

import gc

import pytest

from cervix_watch import bulk
from tests.conftest import Cli

AS_OF = "2026-10-15"


def test_what_a_bulk_block_made_is_old_and_not_frozen() -> None:
    """Objects made in the pause end in the oldest generation; nothing stays frozen."""
    frozen_before = gc.get_freeze_count()
    with bulk.collector_paused():
        records = [[n] for n in range(1_000)]  # lists: always tracked by the collector
        assert not gc.isenabled()
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen_before
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert all(id(record) in oldest for record in records)


def test_a_cycle_made_in_a_bulk_block_is_still_collected() -> None:
    """A reference cycle made in the pause is freed by the next full collection (no leak)."""
    import weakref

    class Node:
        partner: object = None

    with bulk.collector_paused():
        first, second = Node(), Node()
        first.partner, second.partner = second, first
        watch = weakref.ref(first)
    del first, second
    gc.collect()
    assert watch() is None


@pytest.mark.parametrize(
    "command",
    [
        ("review", "--as-of", AS_OF, "--format", "json"),
        ("due", "--as-of", AS_OF, "--format", "json"),
        ("audit", "--from", "2026-07-01", "--to", "2026-09-30", "--format", "json"),
        ("patient", "list", "--format", "json"),
    ],
)
def test_reports_are_the_same_with_the_collector_running(
    loaded: Cli, command: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each bulk report's output is identical with the pause and with the plain collector."""
    paused = loaded(*command)
    assert paused.exit_code == 0, paused.output
    # a long-running process never pauses: the plain path
    monkeypatch.setitem(bulk._PROCESS, "long_running", True)  # noqa: SLF001 (this project's own switch)
    plain = loaded(*command)
    assert plain.exit_code == 0, plain.output
    assert plain.output == paused.output
