"""The only way out: intended messages and Bot API calls become outbox rows, one sender
performs them."""

from bot.outbox.messages import Button, OutboxKind, OutgoingCall, OutgoingMessage, Priority
from bot.outbox.service import enqueue, enqueue_many

__all__ = [
    "Button",
    "OutboxKind",
    "OutgoingCall",
    "OutgoingMessage",
    "Priority",
    "enqueue",
    "enqueue_many",
]
