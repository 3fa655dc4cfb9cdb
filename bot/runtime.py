"""What a running bot is made of: settings, database, clock and the outbox sender."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from bot.clock import Clock
from bot.db.engine import Database
from bot.inbound import InboundLog
from bot.outbox import OutgoingMessage, enqueue
from bot.outbox.sender import OutboxSender, SenderSettings
from bot.services.flood import FloodGate
from bot.services.runner import TurnRunner
from bot.services.trial import Trial
from bot.services.turns import StaffDirectory
from bot.settings import (
    Settings,
    SettingsError,
    linkage_key,
    require_allocation_seed,
    require_pseudonym_key,
)
from experiments.protocol import ProtocolError, load_protocol


@dataclass
class Runtime:
    """Shared by handlers and jobs through the application; per person it holds only the flood
    gate's counts of the last minute (in memory, never stored)."""

    settings: Settings
    database: Database
    clock: Clock
    trial: Trial
    sender_settings: SenderSettings = field(default_factory=SenderSettings)
    scan_interval: timedelta = timedelta(seconds=60)
    sender: OutboxSender | None = None
    inbound: InboundLog | None = None  # made with the application (bot.app)
    # None: nobody is limited (the demo, whose clock jumps a day of messages into one instant)
    flood: FloodGate | None = field(default_factory=FloodGate)

    @property
    def runner(self) -> TurnRunner:
        """Runs every update's use case (one transaction, retried when the database was busy)."""
        return TurnRunner(self.database, self.clock, self.trial, flood=self.flood)

    async def send(self, *messages: OutgoingMessage) -> None:
        """Put messages in the outbox in one transaction and wake the sender."""
        async with self.database.transaction() as session:
            for message in messages:
                await enqueue(session, message, self.clock.now())
        self.wake_sender()

    def wake_sender(self) -> None:
        if self.sender is not None:
            self.sender.wake()


def trial_from_settings(settings: Settings) -> Trial:
    """The study the settings name, or a SettingsError saying what to fix."""
    if not settings.study_file.is_file():
        raise SettingsError(
            f"LOTGENOOT_STUDY_FILE points at {settings.study_file}, which does not exist: "
            "set it to a protocol such as config/study.toml"
        )
    try:
        protocol = load_protocol(settings.study_file)
    except ProtocolError as error:
        raise SettingsError(
            f"the study file {settings.study_file} has problems: {'; '.join(error.problems[:3])} "
            f"(see `lotgenoot study check {settings.study_file}`)"
        ) from None
    return Trial(
        protocol=protocol,
        allocation_seed=require_allocation_seed(settings),
        pseudonym_key=require_pseudonym_key(settings),
        staff=staff_directory(settings),
        linkage_key=linkage_key(settings),
    )


def staff_directory(settings: Settings) -> StaffDirectory:
    """Who holds which role: the operators the settings name (LOTGENOOT_ADMIN_IDS) are admins."""
    return StaffDirectory(settings.admin_ids)
