"""Telegram: aiogram 3 at the edge; parse updates, call the core, render Replies as HTML."""

from adapters.telegram.api_types import import_deferring_schemas

# Before any module of this package imports aiogram.
import_deferring_schemas()
