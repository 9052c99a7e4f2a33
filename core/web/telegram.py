"""Telegram's Mini App sign-in: the `initData` a Mini App receives, checked as Telegram
specifies, so a page opened inside Telegram needs no link and no password.

`initData` is a query string signed by Telegram with a key only it and the bot share:
HMAC-SHA256 of the other fields, sorted and joined by line feeds, keyed with the HMAC-SHA256
of the bot's token keyed with "WebAppData". A copy is good for a short while only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

# Long enough to open the page; short enough that a copied initData soon opens nothing.
FRESH_FOR = timedelta(hours=1)
CLOCK_SKEW = timedelta(minutes=1)


def telegram_user_id(init_data: str, bot_token: str, now: datetime) -> int | None:
    """The Telegram user an `initData` names, when Telegram signed it and it is fresh;
    None for anything forged, altered, stale or malformed."""
    try:
        fields = dict(parse_qsl(init_data, keep_blank_values=True, strict_parsing=True))
    except ValueError:
        return None
    received = fields.pop("hash", "")
    checked = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    key = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, checked.encode(), hashlib.sha256).hexdigest()
    if not received or not hmac.compare_digest(expected, received):
        return None
    try:
        signed_at = datetime.fromtimestamp(int(fields.get("auth_date", "")), UTC)
        user = json.loads(fields.get("user", ""))
        user_id = int(user["id"])
    except (ValueError, TypeError, KeyError, OverflowError):
        return None
    if not now - FRESH_FOR <= signed_at <= now + CLOCK_SKEW:
        return None
    return user_id
