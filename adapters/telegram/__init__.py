"""Telegram: aiogram 3 at the edge; parse updates, call the core, render Replies as HTML."""
