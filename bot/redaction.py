"""Secrets out of text: the bot token in Bot API URLs, any secret this process was given, and
the row values PostgreSQL puts in an error's DETAIL (Key (telegram_user_id)=(…) already exists).

Used where text leaves the process's control: exception messages of the Bot API request layer
(they end up in logs and in the outbox's stored errors) and every log record (bot.logs).
"""

from __future__ import annotations

import re

REDACTED = "<redacted>"
# A Bot API URL carries the token as a path segment: …/bot123456:ABC…/getMe, …/file/bot…/path.
_TOKEN_IN_PATH = re.compile(r"(?<=/bot)[^/\s'\"]+(?=/)")
# A token by its shape (bot id, colon, 35 characters), wherever it appears.
_TOKEN_SHAPE = re.compile(r"\b\d{3,}:[A-Za-z0-9_-]{20,}")
# asyncpg appends the server's DETAIL to its errors' text, which tracebacks show as the cause.
_ROW_DETAIL = re.compile(r"^(DETAIL:\s*).*$", re.MULTILINE)
# Shorter values could match ordinary words; the settings refuse secrets under 16 bytes anyway.
_MIN_KEPT = 8

_secrets: set[str] = set()


def keep_secret(value: str) -> None:
    """Redact `value` from now on wherever it appears (the token, the webhook secret)."""
    if len(value) >= _MIN_KEPT:
        _secrets.add(value)


def redact(text: str) -> str:
    """`text` without tokens or kept secrets."""
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _TOKEN_IN_PATH.sub(REDACTED, text)
    text = _ROW_DETAIL.sub(rf"\g<1>{REDACTED}", text)
    return _TOKEN_SHAPE.sub(REDACTED, text)
