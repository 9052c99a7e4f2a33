"""The terminal as a chat: one local learner, buttons as numbered choices."""

from adapters.console.chat import ConsoleChat, ConsoleMessenger, render

__all__ = ["ConsoleChat", "ConsoleMessenger", "render"]
