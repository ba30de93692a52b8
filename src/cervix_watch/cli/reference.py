"""`make docs`: docs/reference rewritten from the whole command tree.

    python -m cervix_watch.cli.reference docs/reference

A module entry imported by nothing: the generators (`console/reference.py`) take the root
command, which this assembles (`cli/app.py`).
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(folder: Path) -> None:
    from cervix_watch.cli.app import build
    from cervix_watch.console.reference import write_reference

    for written in write_reference(build(), folder):
        print(f"wrote {written}")


if __name__ == "__main__":  # pragma: no cover - `make docs`
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/reference"))
