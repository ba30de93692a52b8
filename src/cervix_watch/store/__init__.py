"""The one place that talks SQL (SQLAlchemy Core), for SQLite and PostgreSQL."""
