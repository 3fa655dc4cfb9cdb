"""Micro-randomized decisions: one per decision point, across crashes and restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from bot.db.delivery import OutboxMessage
from bot.db.engine import Database
from bot.db.micro import MicroDecision
from bot.db.study import Event, IntakeStep, Participant, ParticipantStatus, Site
from bot.outbox import OutboxKind, OutgoingMessage, enqueue_many
from bot.paths import shipped_config
from bot.scheduler import scan_micro
from bot.services.participants.micro_nudges import decision_log, scan_micro_decisions
from bot.services.trial import Trial
from experiments.micro import check_decisions
from experiments.protocol import load_protocol, validate_protocol
from experiments.records import EventKind

TRIAL = Trial(
    protocol=load_protocol(shipped_config("mrt.toml")),
    allocation_seed="micro-randomized-seed",
    pseudonym_key="micro-randomized-key",
)
MICRO = TRIAL.protocol.micro_randomization
assert MICRO is not None
# Allocated on Monday 5 January 2026 at 09:00 in Amsterdam; decision points at 18:00 local.
ALLOCATED = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
FIRST_POINT = datetime(2026, 1, 5, 17, 0, tzinfo=UTC)
PEOPLE = 40


class Crash(Exception):
    pass


async def enrolled(database: Database, count: int = PEOPLE) -> None:
    async with database.transaction() as session:
        site = Site(name="Utrecht", created_at=ALLOCATED)
        session.add(site)
        await session.flush()
        for n in range(count):
            session.add(
                Participant(
                    telegram_user_id=900 + n,
                    site_id=site.id,
                    language="nl" if n % 2 else "en",
                    consent_version="1",
                    consented_at=ALLOCATED,
                    step=IntakeStep.DONE,
                    status=ParticipantStatus.ACTIVE,
                    arm="mrt",
                    track="savings",
                    commitment_cents=1000,
                    allocated_at=ALLOCATED,
                    period_start=ALLOCATED,
                    next_encouragement_at=ALLOCATED + timedelta(days=400),
                )
            )


async def counts(database: Database) -> tuple[int, int, int]:
    """Decisions, decisions with sent = true, prompts in the outbox."""
    async with database.transaction() as session:
        decided = await session.scalar(select(func.count()).select_from(MicroDecision))
        sent = await session.scalar(
            select(func.count()).select_from(MicroDecision).where(MicroDecision.sent)
        )
        prompts = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "prompt")
        )
    return decided or 0, sent or 0, prompts or 0


async def test_each_decision_point_is_decided_once_and_a_crash_loses_none(
    database: Database,
) -> None:
    await enrolled(database)
    now = FIRST_POINT + timedelta(minutes=1)
    # The scan's transaction dies after deciding: nothing of it stays, not even the draws.
    with pytest.raises(Crash):
        async with database.transaction() as session:
            await scan_micro_decisions(session, TRIAL, now)
            raise Crash
    assert await counts(database) == (0, 0, 0)
    # After the restart the same point is decided, once, and each sent prompt queued once.
    await scan_micro(database, TRIAL, now, chunk=7)
    await scan_micro(database, TRIAL, now, chunk=7)
    decided, sent, prompts = await counts(database)
    assert decided == PEOPLE
    assert prompts == sent
    assert 0.6 * PEOPLE - 12 < sent < 0.6 * PEOPLE + 12  # week 1: probability 0.6


async def test_points_that_passed_while_the_bot_was_down_are_recorded_as_missed(
    database: Database,
) -> None:
    await enrolled(database, 5)
    await scan_micro(database, TRIAL, FIRST_POINT + timedelta(minutes=1))
    # Down for three days: three decision points passed; they are kept, as unavailable.
    later = FIRST_POINT + timedelta(days=3, minutes=5)
    await scan_micro(database, TRIAL, later)
    await scan_micro(database, TRIAL, later)
    async with database.transaction() as session:
        rows = (
            await session.execute(
                select(MicroDecision.decision_at, MicroDecision.unavailable_reason).where(
                    MicroDecision.participant_id == 1
                )
            )
        ).all()
    reasons = {at: reason for at, reason in rows}
    assert len(rows) == len(reasons) == 4  # none lost, none doubled
    assert [reasons[FIRST_POINT + timedelta(days=d)] for d in (1, 2)] == ["missed", "missed"]
    assert reasons[FIRST_POINT + timedelta(days=3)] != "missed"


async def test_paused_people_are_unavailable_and_get_no_prompt(database: Database) -> None:
    await enrolled(database, 3)
    async with database.transaction() as session:
        await session.execute(update(Participant).values(status=ParticipantStatus.PAUSED))
    await scan_micro(database, TRIAL, FIRST_POINT)
    async with database.transaction() as session:
        rows = (await session.execute(select(MicroDecision))).scalars().all()
    assert [(row.available, row.unavailable_reason, row.sent) for row in rows] == [
        (False, "paused", False)
    ] * 3
    assert (await counts(database))[2] == 0


async def test_another_nudge_within_the_minimum_gap_makes_the_point_unavailable(
    database: Database,
) -> None:
    await enrolled(database, 3)
    async with database.transaction() as session:
        reminder = OutgoingMessage(
            chat_id=900,
            text="reminder",
            kind=OutboxKind.REMINDER,
            intent_key="reminder:1:test",
            participant_id=1,
            not_before=FIRST_POINT - timedelta(hours=3),
        )
        await enqueue_many(session, [reminder], FIRST_POINT - timedelta(hours=3))
    for day in range(2):
        await scan_micro(database, TRIAL, FIRST_POINT + timedelta(days=day))
    async with database.transaction() as session:
        rows = await session.execute(
            select(MicroDecision.participant_id, MicroDecision.unavailable_reason).order_by(
                MicroDecision.decision_at, MicroDecision.participant_id
            )
        )
        reasons = [reason for _, reason in rows]
    # 3 hours before the first point: unavailable then; the next day (24 h on) available again.
    assert reasons == ["recent_nudge", None, None, None, None, None]


async def test_verify_re_derives_every_draw_from_the_seed(database: Database) -> None:
    await enrolled(database, 10)
    for day in range(10):
        await scan_micro(database, TRIAL, FIRST_POINT + timedelta(days=day))
    async with database.transaction() as session:
        log = await decision_log(session)
    assert len(log) == 100
    assert check_decisions(log, TRIAL.allocation_seed, MICRO) == []
    wrong = check_decisions(log, "another-seed-entirely", MICRO)
    assert len(wrong) >= 100  # every draw differs
    # A decision edited to "sent" after the fact shows.
    async with database.transaction() as session:
        target = await session.scalar(
            select(MicroDecision).where(~MicroDecision.sent).order_by(MicroDecision.id).limit(1)
        )
        assert target is not None
        target.sent = True
    async with database.transaction() as session:
        problems = check_decisions(await decision_log(session), TRIAL.allocation_seed, MICRO)
    assert len(problems) == 1
    assert "sent=True" in problems[0]


async def test_a_person_who_got_their_message_today_is_unavailable_and_sent_prompts_say_so(
    database: Database,
) -> None:
    await enrolled(database, 3)
    morning = FIRST_POINT - timedelta(hours=8)  # 10:00 in Amsterdam, outside the 12-hour gap
    async with database.transaction() as session:
        update_ = OutgoingMessage(
            chat_id=900,
            text="still waiting for your group",
            kind=OutboxKind.POOL_UPDATE,
            intent_key="pool_update:1:test",
            participant_id=1,
            not_before=morning,
        )
        await enqueue_many(session, [update_], morning)
        await session.execute(
            update(OutboxMessage).values(status="sent", sent_at=morning)  # delivered at 10:00
        )
    for day in range(2):
        await scan_micro(database, TRIAL, FIRST_POINT + timedelta(days=day))
    async with database.transaction() as session:
        rows = await session.execute(
            select(MicroDecision.participant_id, MicroDecision.unavailable_reason).order_by(
                MicroDecision.decision_at, MicroDecision.participant_id
            )
        )
        reasons = [reason for _, reason in rows]
        contexts = await session.scalars(
            select(OutboxMessage.payload).where(OutboxMessage.kind == "prompt")
        )
        decided = [payload.get("_context", {}).get("decided") for payload in contexts]
    # SPEC §11.1: one message nobody asked for a day; the next day the person is available again
    assert reasons == ["budget_spent", None, None, None, None, None]
    assert decided, "some prompts were sent"
    assert all(decided), "the outbox does not defer a decided prompt afterwards"


def text_arm_with_randomized_reminders() -> Trial:
    """The three-arm study with reminders in the text arm sent with probability 0.9."""
    import tomllib

    data = tomllib.loads(shipped_config("study.toml").read_text("utf-8"))
    data["arms"][1]["components"] = ["congratulation", "encouragement"]
    data["micro_randomization"] = {
        "arms": ["text"],
        "components": [{"component": "reminder", "probability": 0.9}],
    }
    return Trial(validate_protocol(data), "reminder-seed", "reminder-key")


async def test_a_randomized_reminder_goes_only_to_savers_who_have_not_met_their_goal(
    database: Database,
) -> None:
    trial = text_arm_with_randomized_reminders()
    await enrolled(database, 20)
    async with database.transaction() as session:
        await session.execute(update(Participant).values(arm="text"))
        for pid in range(1, 11):  # the first ten saved this period
            session.add(
                Event(
                    participant_id=pid,
                    kind=EventKind.DEPOSIT,
                    amount_cents=500,
                    detail={},
                    occurred_at=ALLOCATED + timedelta(hours=2),
                    source="telegram",
                    dedupe_key=f"saved:{pid}",
                )
            )
    await scan_micro(database, trial, FIRST_POINT)
    async with database.transaction() as session:
        rows = (
            await session.execute(
                select(MicroDecision.participant_id, MicroDecision.unavailable_reason)
            )
        ).all()
        reminders = list(
            await session.scalars(
                select(OutboxMessage.participant_id).where(OutboxMessage.kind == "reminder")
            )
        )
    reasons = dict(rows)
    assert {reasons[pid] for pid in range(1, 11)} == {"goal_met"}
    assert {reasons[pid] for pid in range(11, 21)} == {None}
    assert reminders  # at 0.9, nearly all of the other ten
    assert all(pid is not None and pid > 10 for pid in reminders)
