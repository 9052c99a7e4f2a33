"""Proactive delivery: one periodic tick finds due work, an outbox sender delivers it.

Only the layout exists so far; the tick and the outbox build on the core's
`next_nudge_at` (indexed) and reach learners through the adapters' messengers.
"""
