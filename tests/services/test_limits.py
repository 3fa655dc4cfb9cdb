"""Limits per person (SPEC §11.8): messages a minute, and open questions to a counsellor."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.db.delivery import OutboxMessage
from bot.db.engine import Database
from bot.db.study import Event, IntakeStep, Participant, Role, Site, StaffMember
from bot.db.tickets import Ticket, TicketStatus
from bot.services import button_data
from bot.services.counsellor_inbox import desk, tickets
from bot.services.flood import FloodGate
from bot.services.participants import activity
from bot.services.runner import Service, Throttled, TurnRunner
from bot.services.trial import Trial
from bot.services.turns import Incoming, Turn
from tests.services.conftest import Person, enroll, events_of, nl

LIMIT = 20  # the shipped protocol's person_limits.messages_per_minute
ADMIN = 1  # an admin by the settings in the runner fixture
_updates = iter(range(900_000, 1_000_000))


async def _send(runner: TurnRunner, user_id: int, service: Service) -> bool:
    """One update from `user_id` through `runner`; False when it was throttled."""
    update_id = next(_updates)
    incoming = Incoming(user_id, "Sanne", "nl", update_id, wrote=True)
    try:
        await runner.run(incoming, service, claim=update_id)
    except Throttled:
        return False
    return True


def _deposit(typed: str) -> Service:
    return lambda turn, trial: activity.deposit(turn, trial, typed)


def _ask(question: str) -> Service:
    return lambda turn, trial: tickets.ask(turn, trial, question)


async def _texts_to(database: Database, chat_id: int, since_id: int = 0) -> list[str]:
    async with database.snapshot() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.chat_id == chat_id, OutboxMessage.id > since_id)
            .order_by(OutboxMessage.id)
        )
        return [str(row.payload.get("text", "")) for row in rows]


async def _last_outbox_id(database: Database) -> int:
    async with database.snapshot() as session:
        return int(await session.scalar(select(func.max(OutboxMessage.id))) or 0)


async def test_a_burst_over_the_limit_gets_one_slow_down_and_nothing_beyond_it_is_recorded(
    runner: TurnRunner, person: Person, clock: FakeClock
) -> None:
    await enroll(person, runner)
    before = await _last_outbox_id(runner.database)
    gated = dataclasses.replace(runner, flood=FloodGate())
    handled = [await _send(gated, person.user_id, _deposit("5")) for _ in range(3 * LIMIT)]
    deposits = [e for e in await events_of(person) if e.kind == "deposit"]
    said = await _texts_to(runner.database, person.user_id, before)
    assert handled == [True] * LIMIT + [False] * (2 * LIMIT)
    assert len(deposits) == LIMIT
    assert len(said) == LIMIT + 1
    assert said[-1] == nl("flood.slow_down")


async def test_a_flooded_person_is_answered_again_once_the_minute_has_passed(
    runner: TurnRunner, person: Person, clock: FakeClock
) -> None:
    await enroll(person, runner)
    gated = dataclasses.replace(runner, flood=FloodGate())
    for _ in range(LIMIT + 5):
        await _send(gated, person.user_id, _deposit("5"))
    clock.advance(timedelta(seconds=59))
    still_quiet = await _send(gated, person.user_id, _deposit("5"))
    clock.advance(timedelta(seconds=2))
    before = await _last_outbox_id(runner.database)
    answered = await _send(gated, person.user_id, _deposit("5"))
    deposits = [e for e in await events_of(person) if e.kind == "deposit"]
    assert not still_quiet
    assert answered
    assert len(deposits) == LIMIT + 1
    assert len(await _texts_to(runner.database, person.user_id, before)) == 1
    assert nl("flood.slow_down") not in await _texts_to(runner.database, person.user_id, before)


async def test_staff_are_not_limited(runner: TurnRunner) -> None:
    async def say_help(turn: Turn, _trial: Trial) -> None:
        await turn.say_text("unknown.text")

    gated = dataclasses.replace(runner, flood=FloodGate())
    handled = [await _send(gated, ADMIN, say_help) for _ in range(2 * LIMIT)]
    assert all(handled)
    assert await _texts_to(runner.database, ADMIN) == [nl("unknown.text")] * (2 * LIMIT)


async def test_one_persons_flood_leaves_another_person_answered(runner: TurnRunner) -> None:
    async def say_help(turn: Turn, _trial: Trial) -> None:
        await turn.say_text("unknown.text")

    gated = dataclasses.replace(runner, flood=FloodGate())
    for _ in range(3 * LIMIT):
        await _send(gated, 7001, say_help)
    assert await _send(gated, 7002, say_help)
    assert await _texts_to(runner.database, 7002) == [nl("unknown.text")]


COUNSELLOR = 8001


async def _asker_with_counsellor(database: Database, clock: FakeClock, user_id: int) -> None:
    """An enrolled participant of the peer arm (counsellor contact) and their counsellor."""
    async with database.transaction() as session:
        site = Site(name="Utrecht", created_at=clock.now())
        staff = StaffMember(
            telegram_user_id=COUNSELLOR,
            role=Role.COUNSELLOR,
            joined_at=clock.now(),
            last_active_at=clock.now(),
        )
        session.add_all([site, staff])
        await session.flush()
        session.add(
            Participant(
                telegram_user_id=user_id,
                site_id=site.id,
                counsellor_id=staff.id,
                language="nl",
                consent_version="2026-01",
                consented_at=clock.now(),
                step=IntakeStep.DONE,
                track="savings",
                age_band="26-35",
                arm="peer",
                allocated_at=clock.now(),
            )
        )


async def _tickets_of(database: Database) -> list[Ticket]:
    async with database.snapshot() as session:
        found = list(await session.scalars(select(Ticket).order_by(Ticket.id)))
        session.expunge_all()
    return found


async def test_questions_beyond_the_open_limit_join_the_open_ticket_and_reach_the_counsellor_once(
    runner: TurnRunner, person: Person, clock: FakeClock, database: Database
) -> None:
    await _asker_with_counsellor(database, clock, person.user_id)
    said = [await person.run(_ask(f"vraag {n}")) for n in range(1, 31)]
    [ticket] = await _tickets_of(database)
    to_counsellor = await _texts_to(database, COUNSELLOR)
    async with database.snapshot() as session:
        opened = await session.scalar(
            select(func.count()).select_from(Event).where(Event.kind == "ticket_opened")
        )
    assert ticket.status is TicketStatus.OPEN
    assert ticket.text == "\n\n".join(f"vraag {n}" for n in range(1, 31))
    assert opened == 1
    assert len(to_counsellor) == 2, "the question, then one note that more was added"
    assert "vraag 2" in to_counsellor[1]
    assert [s.text for s in said[0]] == [nl("inbox.sent")]
    assert [s.text for s in said[-1]] == [nl("inbox.added_to_open", ticket=ticket.id)]


async def test_after_an_answer_the_counsellor_hears_of_the_next_addition_again(
    runner: TurnRunner, person: Person, clock: FakeClock, database: Database
) -> None:
    await _asker_with_counsellor(database, clock, person.user_id)
    counsellor = Person(runner, user_id=COUNSELLOR)
    for n in range(3):
        await person.run(_ask(f"vraag {n}"))
    [ticket] = await _tickets_of(database)
    canned = button_data.encode(button_data.TicketReply(ticket.id, 0))
    await counsellor.run(lambda turn, trial: desk.press(turn, trial, canned))
    before = await _last_outbox_id(database)
    for n in range(3, 6):
        await person.run(_ask(f"vraag {n}"))
    notes = await _texts_to(database, COUNSELLOR, before)
    assert len(await _tickets_of(database)) == 1
    assert len(notes) == 1
    assert "vraag 3" in notes[0]
