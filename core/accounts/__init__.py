"""Accounts: one learner across platforms, their data, and forgetting it."""
