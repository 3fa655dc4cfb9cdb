"""`lotgenoot study verify` re-derives every micro-randomized draw from the allocation seed."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import text, update
from typer.testing import Result

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.study import IntakeStep, Participant, ParticipantStatus, Site
from bot.scheduler import scan_micro
from bot.services.participants.allocation import allocate
from bot.services.trial import Trial
from experiments.protocol import load_protocol
from tests.conftest import ENGINES
from tests.e2e.test_cli_study import error_lines, lotgenoot
from tests.experiments.shipped import CONFIG_DIR

SEED = "e2e-cli-micro-seed"
MRT_FILE = CONFIG_DIR / "mrt.toml"


async def decided(database: Database, clock: FakeClock, people: int, days: int) -> None:
    """Allocate `people` to the one-arm MRT and make `days` days of decisions."""
    trial = Trial(load_protocol(MRT_FILE), SEED, "cli-micro-key")
    now = clock.now()
    async with database.transaction() as session:
        place = Site(name="utrecht", created_at=now)
        session.add(place)
        await session.flush()
        for n in range(people):
            person = Participant(
                telegram_user_id=5000 + n,
                site_id=place.id,
                language="en",
                consent_version="2026-01",
                consented_at=now,
                step=IntakeStep.COMMITMENT,
                birth_year=2000,
                age_band=trial.protocol.age_bands[1].label,
                track="savings",
                commitment_cents=500,
                status=ParticipantStatus.ACTIVE,
            )
            session.add(person)
            await session.flush()
            await allocate(session, person, trial, now)
        await session.execute(update(Participant).values(step=IntakeStep.DONE))
    for day in range(days):
        # 18:00 in Amsterdam, the decision time, is 17:00 UTC in January
        moment = now.replace(hour=17, minute=0) + timedelta(days=day)
        await scan_micro(database, trial, moment)


async def verify(database: Database) -> Result:
    env = {"LOTGENOOT_DATABASE_URL": database.url, "LOTGENOOT_ALLOCATION_SEED": SEED}
    return await asyncio.to_thread(lotgenoot, "study", "verify", "--study", str(MRT_FILE), **env)


@pytest.mark.parametrize("database_url", ENGINES, indirect=True)
async def test_verify_re_derives_every_draw_and_names_an_edited_one(
    database: Database, clock: FakeClock
) -> None:
    await decided(database, clock, people=6, days=5)
    result = await verify(database)
    assert result.exit_code == 0, result.output
    assert "30 micro-randomized decisions, every draw as the seed gives it" in result.stdout
    async with database.transaction() as session:
        await session.execute(text("UPDATE micro_decisions SET draw = 0.01 WHERE id = 7"))
    result = await verify(database)
    assert result.exit_code == 1
    lines = error_lines(result)
    assert any("draw 0.01 is not the seed's" in line for line in lines), lines


@pytest.mark.parametrize("database_url", ENGINES, indirect=True)
async def test_verify_names_a_deleted_decision_and_prints_the_chain_head(
    database: Database, clock: FakeClock
) -> None:
    await decided(database, clock, people=3, days=2)
    result = await verify(database)
    assert result.exit_code == 0, result.output
    assert "6 micro-randomized decisions, every draw as the seed gives it, chain intact" in (
        result.stdout
    )
    async with database.transaction() as session:
        await session.execute(text("DELETE FROM micro_decisions WHERE sequence = 4"))
    result = await verify(database)
    assert result.exit_code == 1
    lines = error_lines(result)
    assert any("decision #4 is missing from the chain" in line for line in lines), lines
