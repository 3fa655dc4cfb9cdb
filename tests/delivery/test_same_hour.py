"""A reminder and an encouragement never arrive in the same hour (issue 14 point 7): the one
planned second is deferred to an hour after the other."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.delivery import OutboxMessage
from bot.db.engine import Database
from bot.db.study import IntakeStep, Participant, ParticipantStatus, Site
from bot.services.participants.nudges import APART, scan_encouragements, scan_periods
from tests.delivery.test_scans import PERIOD, TRIAL


async def _saver_due_for_both(database: Database, clock: FakeClock) -> None:
    """A saver in the text arm whose empty period just ended and whose encouragement is due."""
    now = clock.now()
    async with database.transaction() as session:
        site = Site(name="Utrecht", created_at=now)
        session.add(site)
        await session.flush()
        session.add(
            Participant(
                telegram_user_id=901,
                site_id=site.id,
                language="nl",
                consent_version="1",
                consented_at=now - 2 * PERIOD,
                step=IntakeStep.DONE,
                status=ParticipantStatus.ACTIVE,
                arm="text",
                track="savings",
                commitment_cents=1000,
                period_start=now - PERIOD - TRIAL.protocol.schedule.reminder_delay,
                next_encouragement_at=now,
            )
        )


async def _planned(database: Database) -> dict[str, list[datetime]]:
    async with database.snapshot() as session:
        rows = await session.execute(select(OutboxMessage.kind, OutboxMessage.not_before))
        planned: dict[str, list[datetime]] = {}
        for kind, at in rows:
            planned.setdefault(kind, []).append(at)
        return planned


async def test_a_reminder_and_an_encouragement_due_together_arrive_an_hour_apart(
    database: Database, clock: FakeClock
) -> None:
    await _saver_due_for_both(database, clock)
    async with database.transaction() as session:
        await scan_periods(session, TRIAL, clock.now())
        await scan_encouragements(session, TRIAL, clock.now())
    planned = await _planned(database)
    [reminder], [encouragement] = planned["reminder"], planned["encouragement"]
    assert encouragement - reminder >= APART, (reminder, encouragement)


async def test_an_encouragement_planned_first_defers_the_reminder(
    database: Database, clock: FakeClock
) -> None:
    await _saver_due_for_both(database, clock)
    async with database.transaction() as session:
        await scan_encouragements(session, TRIAL, clock.now())
    async with database.transaction() as session:
        await scan_periods(session, TRIAL, clock.now())
    planned = await _planned(database)
    [reminder], [encouragement] = planned["reminder"], planned["encouragement"]
    assert abs(reminder - encouragement) >= APART, (reminder, encouragement)
    assert reminder > encouragement, "the one planned second waits"
    assert reminder - encouragement < timedelta(hours=12), "deferred, not dropped"
