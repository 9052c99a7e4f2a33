"""Replies to commands that their adapter could not deliver at once, owed through the outbox:
sent as they were written, to the chat they answer."""

from __future__ import annotations

from collections.abc import Collection

from core.kernel.refs import ChatRef
from core.kernel.reply_codec import ReplyDecodeError, decode_reply
from core.outreach.model import Decision, Drop, Kind, OutboxItem, Send


def owed_reply(item: OutboxItem, platforms: Collection[str]) -> Decision:
    chat = item.recipient.chat
    if item.kind != Kind.REPLY or chat is None:
        return Drop(f"unknown kind {item.kind!r}")  # written by a newer version
    if chat.platform not in platforms:
        return Drop(f"{chat.platform} is not running")
    if item.payload is None:
        return Drop("the reply is gone")
    try:
        reply = decode_reply(item.payload)
    except ReplyDecodeError as unreadable:
        return Drop(f"unreadable reply: {unreadable}")
    return Send(ChatRef(chat.platform, chat.external_id, ""), reply, "reply")
