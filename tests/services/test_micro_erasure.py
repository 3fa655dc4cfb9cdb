"""/delete and the micro-randomized decision log: kept or removed as the consent says."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.micro import MicroDecision
from bot.db.study import IntakeStep, Participant, ParticipantStatus, Site
from bot.paths import shipped_config
from bot.scheduler import scan_micro
from bot.services.participants import deletion
from bot.services.runner import TurnRunner
from bot.services.trial import Trial
from bot.services.turns import StaffDirectory
from experiments.protocol import validate_protocol

from .conftest import Person

ALLOCATED = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def mrt_trial(keep: bool) -> Trial:
    data = tomllib.loads(shipped_config("mrt.toml").read_text("utf-8"))
    data["study"]["keep_research_data_after_erasure"] = keep
    if not keep:  # the consent says what is kept, so it changes with the choice
        del data["consent"]["research_record_kept"]
    return Trial(validate_protocol(data), "erasure-micro-seed", "erasure-micro-key")


async def decisions_of(database: Database, participant_id: int) -> int:
    async with database.transaction() as session:
        found = await session.scalar(
            select(func.count())
            .select_from(MicroDecision)
            .where(MicroDecision.participant_id == participant_id)
        )
    return found or 0


@pytest.mark.parametrize("keep", [True, False])
async def test_delete_keeps_the_decisions_only_when_the_consent_keeps_research_data(
    database: Database, clock: FakeClock, keep: bool
) -> None:
    trial = mrt_trial(keep)
    async with database.transaction() as session:
        site = Site(name="Utrecht", created_at=ALLOCATED)
        session.add(site)
        await session.flush()
        person = Participant(
            telegram_user_id=6001,
            site_id=site.id,
            language="nl",
            consent_version="2026-01",
            consented_at=ALLOCATED,
            step=IntakeStep.DONE,
            status=ParticipantStatus.ACTIVE,
            arm="mrt",
            track="savings",
            commitment_cents=500,
            allocated_at=ALLOCATED,
            period_start=ALLOCATED,
        )
        session.add(person)
        await session.flush()
        participant_id = person.id
    for day in range(3):
        await scan_micro(
            database, trial, datetime(2026, 1, 5, 17, tzinfo=UTC) + timedelta(days=day)
        )
    assert await decisions_of(database, participant_id) == 3
    clock.set(datetime(2026, 1, 8, 9, tzinfo=UTC))
    runner = TurnRunner(database, clock, replace(trial, staff=StaffDirectory(frozenset({1}))))
    await Person(runner, user_id=6001).run(lambda turn, trial: deletion.erase(turn, True, trial))
    assert await decisions_of(database, participant_id) == (3 if keep else 0)
