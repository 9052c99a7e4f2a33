"""Persistence: SQLAlchemy 2 async models, the store behind the core's ports, migrations."""
