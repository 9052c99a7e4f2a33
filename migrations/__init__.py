"""Alembic revisions; run them with `coach migrate`."""
