"""`import` and `export` of the contract's five CSV kinds (placeholder until interop lands)."""

from __future__ import annotations

import typer


def import_command(ctx: typer.Context) -> None:
    """Import a CSV file (all-or-nothing)."""


def export_command(ctx: typer.Context) -> None:
    """Export a CSV file."""
