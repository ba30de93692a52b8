"""`export fhir --ndjson DIR`: the FHIR Bulk Data files written safely into their folder.

DIR is a new folder (created owner-only, 0700) or an existing empty one; anything else
(a file, a symbolic link, a folder with files in it, one that cannot be written) is
refused before anything is read. Each `<Type>.ndjson` is written to a temporary name
in DIR (0600) and renamed only when every resource is written, then `manifest.json`
the same way; on any failure (disk full, Ctrl-C) every file this export made is
removed, and DIR too if the export created it.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TextIO

from cervix_watch.console.escapes import escape_json
from cervix_watch.domain.errors import InputError, Problem
from cervix_watch.domain.filenames import shown

FIELD = "ndjson"
MANIFEST = "manifest.json"


def _refused(folder: Path, problem: str) -> InputError:
    return InputError(Problem(FIELD, f"{shown(folder)} {problem}"))


def prepare_folder(folder: Path) -> bool:
    """Check DIR (or create it, 0700); whether this export created it."""
    try:
        mode = os.lstat(folder).st_mode
    except FileNotFoundError:
        try:
            folder.mkdir(mode=0o700)
        except OSError as error:
            raise _refused(folder, f"cannot be created: {error.strerror}") from None
        return True
    except OSError as error:
        raise _refused(folder, f"cannot be read: {error.strerror}") from None
    if stat.S_ISLNK(mode):
        raise _refused(folder, "is a symbolic link; give a new or empty folder")
    if not stat.S_ISDIR(mode):
        raise _refused(folder, "is not a folder; give a new or empty folder")
    try:
        if any(folder.iterdir()):
            raise _refused(folder, "is not empty; give a new or empty folder")
    except OSError as error:
        raise _refused(folder, f"cannot be read: {error.strerror}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _refused(folder, "cannot be written: permission denied")
    return False


class BulkFiles:
    """One temporary file per resource type in DIR, written line by line."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.counts: dict[str, int] = {}
        self.temporary: dict[str, Path] = {}
        self.handles: dict[str, TextIO] = {}
        self.done: list[Path] = []

    def open(self, types: Sequence[str]) -> None:
        for kind in types:
            self.handles[kind] = self._open(f".{kind}.ndjson.")
            self.counts[kind] = 0

    def _open(self, prefix: str) -> TextIO:
        fd, name = tempfile.mkstemp(dir=self.folder, prefix=prefix, suffix=".tmp")
        self.temporary[prefix] = Path(name)
        return os.fdopen(fd, "w", encoding="utf-8", newline="")

    def write(self, kind: str, lines: list[str]) -> None:
        """NDJSON lines, each with every hidden character `\\u`-escaped (`escape_json`)."""
        self.handles[kind].write(escape_json("".join(lines)))
        self.counts[kind] += len(lines)

    def finish(self, manifest: dict[str, Any]) -> None:
        """Each file with resources renamed to `<Type>.ndjson` (empty ones dropped), then the
        manifest written beside them."""
        for kind, handle in self.handles.items():
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
            temporary = self.temporary[f".{kind}.ndjson."]
            if self.counts[kind]:
                self._rename(temporary, f"{kind}.ndjson")
            else:
                temporary.unlink()
        with self._open(".manifest.") as handle:
            handle.write(json.dumps(manifest, indent=2) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        self._rename(self.temporary[".manifest."], MANIFEST)

    def _rename(self, temporary: Path, name: str) -> None:
        os.replace(temporary, self.folder / name)
        self.done.append(self.folder / name)

    def remove(self) -> None:
        """Every file this export made, finished or not."""
        for handle in self.handles.values():
            with suppress(OSError):
                handle.close()
        for path in [*self.temporary.values(), *self.done]:
            with suppress(OSError):
                path.unlink()


@contextmanager
def bulk_files(folder: Path, types: Sequence[str]) -> Iterator[BulkFiles]:
    """`BulkFiles` in DIR (checked or created first), removed with DIR if it was made, on
    any failure; a failure to write is the user's input problem: one line, exit 1."""
    created = prepare_folder(folder)
    files = BulkFiles(folder)
    try:
        files.open(types)
        yield files
    except BaseException as failure:
        files.remove()
        if created:
            with suppress(OSError):
                folder.rmdir()
        if isinstance(failure, OSError):
            message = f"cannot be written: {failure.strerror}; nothing was left in it"
            raise _refused(folder, message) from None
        raise


__all__ = ["MANIFEST", "BulkFiles", "bulk_files", "prepare_folder"]
