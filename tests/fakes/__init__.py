"""Fakes of external services that tests talk to over their real protocols."""
