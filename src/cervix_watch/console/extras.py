"""The optional `interop` extra (pydicom, pynetdicom, fhir.resources): a command that needs
it says in one line how to install it when it is missing."""

from __future__ import annotations

from cervix_watch.domain.errors import CervixWatchError

INTEROP_PACKAGES = ("pydicom", "pynetdicom", "fhir.resources")


class MissingExtra(CervixWatchError):
    """The optional packages a command needs are not installed: exit 1 with how to fix it."""

    def __init__(self, package: str) -> None:
        super().__init__(
            f"{package} is not installed: this command needs the interop extra "
            "(pip install 'cervix-watch[interop]')"
        )


def require_interop(*packages: str) -> None:
    """Import the extra's packages this command needs, or say how to install them."""
    import importlib

    for package in packages or INTEROP_PACKAGES:
        try:
            importlib.import_module(package)
        except ImportError:
            raise MissingExtra(package) from None
