"""Composition root: configuration, the command line, and wiring the coach together."""
