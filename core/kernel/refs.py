"""Who is talking and where: a person on a platform, a group chat, and what a chat allows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LearnerRef:
    """Who is talking: a platform and that platform's id for the person."""

    platform: str
    external_id: str
    display_name: str = ""
    # The language the person's app is set to, as the platform tells it ("fa-IR", "ru"):
    # a hint for a first contact, not part of who they are.
    language: str = field(default="", compare=False)


@dataclass(frozen=True)
class ChatRef:
    """A group chat or channel on one platform."""

    platform: str
    external_id: str
    title: str = ""
    parent: str | None = None  # the Discord server a channel belongs to


@dataclass(frozen=True)
class Identity:
    who: LearnerRef
    reachable: bool


# Who may run `/group setup` and change a group is the platform's call (Telegram chat
# administrators, Discord Manage Server / Manage Channels); adapters answer it lazily,
# because asking Telegram costs a request and most group commands do not need to know.
AdminCheck = Callable[[], Awaitable[bool]]


@dataclass(frozen=True)
class ChatContext:
    """Where a command was sent, when that was a group chat rather than a private one."""

    chat: ChatRef
    is_admin: AdminCheck
    # Whether the platform can answer one person out of everyone's sight in this chat
    # (Discord's ephemeral answers); where it cannot, private answers go to a private chat.
    answers_privately: bool = False
    # How a member reaches the bot privately ("@coach_bot" on Telegram), for pointing there.
    private_chat: str = ""
    # Whether `is_admin` asks the group's platform (a chat) or goes by what it last said (the
    # web view): only the platform's answer renews a member's admin record.
    asks_the_platform: bool = True
