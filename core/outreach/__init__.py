"""The coach writing first: the outbox policy, planning, composing."""
