"""Typer command groups: parse arguments, call the core, render. No clinical logic here."""
