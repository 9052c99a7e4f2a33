"""Shared vocabulary of the core: clock, errors, who and where, commands in and replies out."""
