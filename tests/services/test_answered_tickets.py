"""An answered question is "answered", no longer open (issue 25, build 7): the participant
writing again reopens it as a new round, and nobody writing closes it by itself after the
protocol's `inbox.close_answered_after`; its text is then kept only for the retention period."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.tickets import TicketStatus
from bot.services import button_data
from bot.services.counsellor_inbox import desk
from bot.services.counsellor_inbox.scan import scan_inbox
from bot.services.runner import TurnRunner
from bot.services.trial import Trial
from tests.services.conftest import Person, events_of, nl
from tests.services.test_limits import (
    COUNSELLOR,
    _ask,
    _asker_with_counsellor,
    _last_outbox_id,
    _texts_to,
    _tickets_of,
)
from tests.texts import said

WEEK = timedelta(days=7)  # the shipped inbox.close_answered_after
RETENTION = timedelta(days=30)  # the shipped inbox.retention


async def _asked_and_answered(
    runner: TurnRunner, person: Person, clock: FakeClock, database: Database
) -> Person:
    """A participant asked their counsellor, who answered with a canned reply."""
    await _asker_with_counsellor(database, clock, person.user_id)
    counsellor = Person(runner, user_id=COUNSELLOR)
    await person.run(_ask("Hoe begin ik met sparen?"))
    [ticket] = await _tickets_of(database)
    canned = button_data.encode(button_data.TicketReply(ticket.id, 0))
    await counsellor.run(lambda turn, trial: desk.press(turn, trial, canned))
    return counsellor


async def _scan(database: Database, trial: Trial, clock: FakeClock) -> None:
    async with database.transaction() as session:
        await scan_inbox(session, trial, clock.now())


async def test_an_answered_question_is_no_longer_listed_as_open(
    runner: TurnRunner, person: Person, clock: FakeClock, database: Database
) -> None:
    counsellor = await _asked_and_answered(runner, person, clock, database)

    listed = await counsellor.run(desk.list_tickets)

    [ticket] = await _tickets_of(database)
    assert ticket.status is TicketStatus.ANSWERED
    assert [s.text for s in listed] == [
        nl("inbox.tickets_none"),
        nl("inbox.answered_list", tickets=f"#{ticket.id}"),
    ]


async def test_writing_again_after_an_answer_reopens_the_question_for_the_counsellor(
    runner: TurnRunner, person: Person, clock: FakeClock, database: Database
) -> None:
    counsellor = await _asked_and_answered(runner, person, clock, database)
    before = await _last_outbox_id(database)

    [reply] = await person.run(_ask("En als het een week niet lukt?"))
    notes = await _texts_to(database, COUNSELLOR, before)
    [listed] = await counsellor.run(desk.list_tickets)

    [ticket] = await _tickets_of(database)
    assert ticket.status is TicketStatus.OPEN
    assert reply.text == nl("inbox.reopened", ticket=ticket.id)
    [note] = notes
    assert "En als het een week niet lukt?" in note
    assert said(listed.text, "inbox.tickets", count=1)
    kinds = [e.kind for e in await events_of(person) if e.kind.startswith("ticket_")]
    assert kinds == ["ticket_opened", "ticket_answered", "ticket_reopened"]


async def test_a_reopened_question_is_reminded_again_when_left_unanswered(
    runner: TurnRunner, person: Person, clock: FakeClock, database: Database, trial: Trial
) -> None:
    await _asked_and_answered(runner, person, clock, database)
    await person.run(_ask("Nog een vraag"))
    before = await _last_outbox_id(database)

    clock.advance(timedelta(hours=25))
    await _scan(database, trial, clock)

    [reminder] = await _texts_to(database, COUNSELLOR, before)
    assert "Nog een vraag" in reminder


async def test_an_answered_question_closes_by_itself_and_its_text_goes_after_retention(
    runner: TurnRunner, person: Person, clock: FakeClock, database: Database, trial: Trial
) -> None:
    await _asked_and_answered(runner, person, clock, database)

    clock.advance(WEEK - timedelta(minutes=1))
    await _scan(database, trial, clock)
    [a_minute_early] = await _tickets_of(database)
    clock.advance(timedelta(minutes=1))
    await _scan(database, trial, clock)
    [closed] = await _tickets_of(database)
    clock.advance(RETENTION)
    await _scan(database, trial, clock)
    [forgotten] = await _tickets_of(database)

    assert a_minute_early.status is TicketStatus.ANSWERED
    assert closed.status is TicketStatus.CLOSED
    assert closed.closed_at == clock.now() - RETENTION
    assert closed.text == "Hoe begin ik met sparen?"
    assert forgotten.text is None
    [closing] = [e for e in await events_of(person) if e.kind == "ticket_closed"]
    assert closing.detail["by"] == "time"
