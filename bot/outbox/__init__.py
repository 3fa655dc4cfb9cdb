"""The only way out: intended messages become outbox rows, one sender delivers them."""

from bot.outbox.messages import Button, OutgoingMessage
from bot.outbox.service import enqueue, enqueue_many

__all__ = ["Button", "OutgoingMessage", "enqueue", "enqueue_many"]
