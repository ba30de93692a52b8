"""Domain layer: pydantic records and pure functions. No typer, rich or SQL here."""
