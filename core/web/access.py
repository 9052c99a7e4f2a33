"""Signing in to the web view from chat: a one-time link, then a session.

A link's token is random and shown once, in the learner's own chat; only its hash is
stored. It is good for ten minutes and one use, and only for signing in. Opening it gives a
session: another random token, kept in a cookie, good for twelve hours and only for the
pages. Nothing about the learner is in either token, so a link leaks nothing by its look,
and a guess has 256 bits to find. Each form on a page carries a token derived from the
session's, which a page of another site cannot know (cross-site request forgery).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from core.accounts.ports import AccountUnitOfWork

LINK_ACTION, SESSION_ACTION = "web-link", "web-session"
LINK_LIFETIME = timedelta(minutes=10)
SESSION_LIFETIME = timedelta(hours=12)


def _hashed(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def form_token(session_token: str) -> str:
    """The token every form of a session carries, derived so nothing more is stored."""
    return hmac.new(session_token.encode(), b"web-form", hashlib.sha256).hexdigest()


def form_token_matches(session_token: str, sent: str) -> bool:
    return hmac.compare_digest(form_token(session_token), sent)


async def issue_link(uow: AccountUnitOfWork, learner_id: int, now: datetime) -> str:
    """A new sign-in token for the learner; their earlier unused one stops working."""
    return await _issued(uow, learner_id, LINK_ACTION, now + LINK_LIFETIME, now, replace=True)


async def sign_in(uow: AccountUnitOfWork, link_token: str, now: datetime) -> str | None:
    """The session a link opens, using the link up; None for a link used, expired or
    never issued."""
    learner_id = await uow.confirmations.redeem(
        action=LINK_ACTION, token_hash=_hashed(link_token), now=now
    )
    if learner_id is None:
        return None
    return await open_session(uow, learner_id, now)


async def open_session(uow: AccountUnitOfWork, learner_id: int, now: datetime) -> str:
    """A session beside any the learner has on other devices."""
    expires = now + SESSION_LIFETIME
    return await _issued(uow, learner_id, SESSION_ACTION, expires, now, replace=False)


async def _issued(
    uow: AccountUnitOfWork,
    learner_id: int,
    action: str,
    expires_at: datetime,
    now: datetime,
    *,
    replace: bool,
) -> str:
    token = secrets.token_urlsafe(32)
    await uow.confirmations.issue(
        learner_id,
        action=action,
        token_hash=_hashed(token),
        at=now,
        expires_at=expires_at,
        replace=replace,
    )
    return token


async def session_learner(uow: AccountUnitOfWork, session_token: str, now: datetime) -> int | None:
    """Whose live session this is; None for one expired, signed out or never opened."""
    return await uow.confirmations.holder(
        action=SESSION_ACTION, token_hash=_hashed(session_token), now=now
    )


async def sign_out(uow: AccountUnitOfWork, session_token: str, now: datetime) -> None:
    await uow.confirmations.redeem(
        action=SESSION_ACTION, token_hash=_hashed(session_token), now=now
    )
