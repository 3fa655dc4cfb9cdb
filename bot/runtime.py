"""What a running bot is made of: settings, database, clock and the outbox sender."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.clock import Clock
from bot.db.engine import Database
from bot.outbox import OutgoingMessage, enqueue
from bot.outbox.sender import OutboxSender, SenderSettings
from bot.settings import Settings


@dataclass
class Runtime:
    """Shared by handlers and jobs through the application; holds no per-user state."""

    settings: Settings
    database: Database
    clock: Clock
    sender_settings: SenderSettings = field(default_factory=SenderSettings)
    sender: OutboxSender | None = None

    async def send(self, *messages: OutgoingMessage) -> None:
        """Put messages in the outbox in one transaction and wake the sender."""
        async with self.database.transaction() as session:
            for message in messages:
                await enqueue(session, message, self.clock.now())
        if self.sender is not None:
            self.sender.wake()
