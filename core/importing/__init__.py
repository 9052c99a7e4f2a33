"""Importing a Markdown roadmap as a track."""
