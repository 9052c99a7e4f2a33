"""Whose a button is: the rule every platform applies before a press becomes a command."""

from __future__ import annotations

from core.kernel.commands import Command, Unparsed


def may_press(
    command: Command | Unparsed, *, owner: str | None, presser: str, shared_chat: bool
) -> bool:
    """Whether `presser` may run the button's command.

    In a private chat every button is its person's. In a group, an answer to someone's
    command is theirs alone, whatever its buttons do; a post to the whole group (a digest,
    a group quiz) has no owner, so its group buttons are everyone's and a personal action
    on it is nobody's.
    """
    if not shared_chat:
        return True
    if owner is not None:
        return owner == presser
    return isinstance(command, Command) and command.in_group
