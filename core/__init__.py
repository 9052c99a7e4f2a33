"""Roadmap Coach core: tracks, plans, progress and the use cases, free of any chat platform."""
