"""`lotgenoot status` reads the queue and counters from the table, whoever sent."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import update
from typer.testing import CliRunner

from bot.cli.status import status
from bot.clock import SystemClock
from bot.db.delivery import OutboxMessage, OutboxStatus
from bot.db.engine import Database
from bot.db.study import IntakeStep, Participant, ParticipantStatus, Site
from bot.outbox import OutboxKind, OutgoingMessage, enqueue_many

M = OutboxMessage


def message(n: int, key: str, not_before: datetime | None = None) -> OutgoingMessage:
    return OutgoingMessage(
        chat_id=1000 + n, text="hi", kind=OutboxKind.REMINDER, intent_key=key, not_before=not_before
    )


async def outbox_in_every_state(database: Database) -> None:
    now = SystemClock().now()
    keys = ["due1", "due22", "later", "held", "sent", "blocked", "fivexx", "dropped"]
    messages = [message(n, key) for n, key in enumerate(keys)]
    messages[2] = message(2, "later", not_before=now + timedelta(hours=2))
    async with database.transaction() as session:
        await enqueue_many(session, messages, now - timedelta(minutes=5))
        endings: dict[str, dict[str, Any]] = {
            "held": {"status": OutboxStatus.SENDING, "lease_until": now - timedelta(seconds=1)},
            "sent": {"status": OutboxStatus.SENT, "attempts": 3},
            "blocked": {
                "status": OutboxStatus.FAILED,
                "attempts": 1,
                "last_error": "unreachable: Forbidden: bot was blocked by the user",
            },
            "fivexx": {"status": OutboxStatus.FAILED, "attempts": 6, "last_error": "gave up: 502"},
            "dropped": {"status": OutboxStatus.CANCELLED},
        }
        for key, values in endings.items():
            await session.execute(update(M).where(M.intent_key == key).values(**values))


async def participants_in_two_arms(database: Database) -> None:
    now = SystemClock().now()
    async with database.transaction() as session:
        site = Site(name="utrecht", created_at=now)
        session.add(site)
        await session.flush()
        for n, (arm, state) in enumerate(
            [
                ("text", ParticipantStatus.ACTIVE),
                ("text", ParticipantStatus.ACTIVE),
                ("control", ParticipantStatus.ACTIVE),
                ("text", ParticipantStatus.WITHDRAWN),
            ]
        ):
            session.add(
                Participant(
                    telegram_user_id=500 + n,
                    site_id=site.id,
                    language="nl",
                    consent_version="1",
                    consented_at=now,
                    step=IntakeStep.DONE,
                    arm=arm,
                    status=state,
                )
            )


def figure(output: str, label: str) -> str:
    found = re.search(rf"^\s*{re.escape(label)}\s+(\S+)\s*$", output, re.MULTILINE)
    assert found is not None, f"no line {label!r} in:\n{output}"
    return found.group(1)


async def test_status_shows_queue_counters_and_head_counts(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await outbox_in_every_state(database)
    await participants_in_two_arms(database)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("LOTGENOOT_DATABASE_URL", database.url)
    app = typer.Typer()
    app.command("status")(status)
    app.command("other")(lambda: None)  # a second command keeps "status" a subcommand

    # the command runs its own event loop, so it gets a thread of its own
    result = await asyncio.to_thread(CliRunner().invoke, app, ["status"])

    assert result.exit_code == 0, result.output
    out = result.output
    assert figure(out, "pending, due now") == "2"
    assert figure(out, "pending, later") == "1"
    assert figure(out, "sending") == "1"
    assert figure(out, "of which lease expired") == "1"
    assert figure(out, "oldest due, waiting").startswith("5m")
    assert figure(out, "sent") == "1"
    assert figure(out, "retries") == "7"  # 2 for the sent one, 5 for the one given up
    assert figure(out, "failed") == "2"
    assert figure(out, "unreachable") == "1"
    assert figure(out, "gave up") == "1"
    assert figure(out, "cancelled") == "1"
    assert figure(out, "active, text") == "2"
    assert figure(out, "active, control") == "1"
    assert figure(out, "withdrawn, text") == "1"


async def test_status_shows_each_lanes_backlog_and_its_oldest_wait(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = SystemClock().now()
    queued = [
        (OutgoingMessage(chat_id=1, text="hi", kind=OutboxKind.REPLY, intent_key="r"), 1),
        *(
            (
                OutgoingMessage(
                    chat_id=10 + n, text="hi", kind=OutboxKind.GROUP_WELCOME, intent_key=f"b{n}"
                ),
                7,
            )
            for n in range(3)
        ),
    ]
    async with database.transaction() as session:
        for outgoing, minutes_ago in queued:
            await enqueue_many(session, [outgoing], now - timedelta(minutes=minutes_ago))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOTGENOOT_DATABASE_URL", database.url)
    app = typer.Typer()
    app.command("status")(status)
    app.command("other")(lambda: None)

    result = await asyncio.to_thread(CliRunner().invoke, app, ["status"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    replies = lines.index(next(line for line in lines if "replies (lane 1)" in line))
    assert lines[replies].split()[-1] == "1"
    assert lines[replies + 1].split()[:2] == ["oldest", "waiting"]
    assert lines[replies + 1].split()[-1].startswith("1m")
    assert figure(result.output, "personal (lane 2)") == "0"
    bulk = lines.index(next(line for line in lines if "bulk (lane 3)" in line))
    assert lines[bulk].split()[-1] == "3"
    assert lines[bulk + 1].split()[-1].startswith("7m")
