"""The files an `import sr` run reads: those named, and every file in the folders named.

A folder is searched with its sub-folders, sorted; hidden files and folders and DICOMDIR
(the media's index, not a report) are passed over. A folder or file that cannot be read
is a problem of the run like any bad file (issue 24: a locked sub-folder was skipped
silently, and the run reported success from the files it could see).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cervix_watch.domain.errors import Problem
from cervix_watch.domain.filenames import shown


def _hidden(name: str) -> bool:
    return name.startswith(".")


def sr_files(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    """The files to read, and a problem for each path or folder that cannot be read."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            problems.append(Problem("file", "no such file or folder", shown(path)))
            continue
        except OSError as error:
            problems.append(Problem("file", f"cannot be read ({error.strerror})", shown(path)))
            continue
        if stat.S_ISDIR(mode):
            files.extend(_in_folder(path, problems))
        elif stat.S_ISREG(mode):
            files.append(path)
        else:
            problems.append(Problem("file", "is not a regular file or a folder", shown(path)))
    if not files and not problems:
        problems.append(Problem("file", "no files found in the folders given"))
    return files, problems


def _in_folder(folder: Path, problems: list[Problem]) -> list[Path]:
    def unreadable(error: OSError) -> None:
        where = shown(error.filename or folder)
        problems.append(Problem("folder", f"cannot be read ({error.strerror})", where))

    found: list[Path] = []
    for root, dirs, names in os.walk(folder, onerror=unreadable):
        dirs[:] = [d for d in dirs if not _hidden(d)]  # not descended into
        for name in names:
            path = Path(root, name)
            if not _hidden(name) and name.upper() != "DICOMDIR" and path.is_file():
                found.append(path)
    return sorted(found)


__all__ = ["sr_files"]
