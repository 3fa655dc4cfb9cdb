"""The sender's logs name outbox rows and participants, never a Telegram chat id."""

from __future__ import annotations

import logging

import pytest

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.outbox.sender import SenderSettings
from bot.sandbox import TelegramSandbox
from tests.delivery.conftest import TOKEN, nudge, people_who_wrote, put, running_sender

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

SETTINGS = SenderSettings(global_per_second=200, private_interval_s=0)


async def test_refused_delivery_is_logged_without_the_chat_id(
    database: Database, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    async with TelegramSandbox(bot_token=TOKEN) as sandbox:
        (person,) = people_who_wrote(sandbox, 1)
        person.block()
        await put(database, clock, [nudge(person, n, participant_id=7) for n in range(2)])
        with caplog.at_level(logging.INFO):
            async with running_sender(sandbox, database, clock, SETTINGS) as sender:
                await sender.settle()

    assert "participant=7" in caplog.text, "the refusal must be logged, by participant"
    assert "outbox_id=" in caplog.text
    assert str(person.id) not in caplog.text
