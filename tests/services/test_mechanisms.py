"""The mechanism components (issue 27, point 1), on config/mechanisms.toml: an education arm gets
the peer arm's weekly topics privately; an attention arm gets its counsellor's own check-in,
which the counsellor sends with one tap (or in their own words) and the participant can answer;
both stop at the end of the person's intervention, and every step is counted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.delivery import OutboxMessage
from bot.db.engine import Database
from bot.db.groups import GroupMember, PoolEntry
from bot.db.study import IntakeStep, Participant, Role, Site, StaffMember
from bot.db.tickets import Ticket, TicketMessage, TicketStatus
from bot.i18n import Language, text
from bot.outbox import OutboxKind
from bot.outbox.outcomes import Delivered
from bot.outbox.ranks import Rank, budget_of
from bot.outbox.store import ClaimedMessage
from bot.services import button_data
from bot.services.counsellor_inbox import outreach
from bot.services.counsellor_inbox.tickets import forget_participant
from bot.services.participants import conversation, private_topics
from bot.services.runner import TurnRunner
from bot.services.trial import Trial
from bot.services.turns import StaffDirectory
from tests.experiments.shipped import shipped_protocol
from tests.services.conftest import Person, events_of, nl
from tests.texts import said

COUNSELLOR = 8101
DAY = timedelta(days=1)
WEEK = timedelta(days=7)
END = timedelta(days=84)  # schedule.intervention_length of mechanisms.toml


@pytest.fixture
def trial() -> Trial:
    return Trial(
        shipped_protocol("mechanisms.toml"),
        allocation_seed="service-tests-allocation-seed",
        pseudonym_key="service-tests-pseudonym-key",
        staff=StaffDirectory(frozenset({1})),
    )


async def _allocated(
    database: Database, clock: FakeClock, trial: Trial, user_id: int, arm: str
) -> None:
    """An enrolled saver allocated to `arm` now, with a counsellor (Kees) on the staff."""
    async with database.transaction() as session:
        site = Site(name="Utrecht", created_at=clock.now())
        staff = StaffMember(
            telegram_user_id=COUNSELLOR,
            role=Role.COUNSELLOR,
            joined_at=clock.now(),
            last_active_at=clock.now(),
            display_name="Kees de Vries",
        )
        session.add_all([site, staff])
        await session.flush()
        participant = Participant(
            telegram_user_id=user_id,
            site_id=site.id,
            language="nl",
            consent_version="2026-01",
            consented_at=clock.now(),
            step=IntakeStep.DONE,
            track="savings",
            age_band="26-35",
            arm=arm,
            allocated_at=clock.now(),
        )
        session.add(participant)
        private_topics.schedule_first(participant, trial, clock.now())
        outreach.schedule_first(participant, trial, clock.now())


async def _to(database: Database, chat_id: int) -> list[OutboxMessage]:
    async with database.snapshot() as session:
        rows = list(
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.chat_id == chat_id)
                .order_by(OutboxMessage.id)
            )
        )
        session.expunge_all()
    return rows


def _buttons(row: OutboxMessage) -> list[str]:
    markup = row.payload.get("reply_markup") or {}
    return [b["callback_data"] for line in markup.get("inline_keyboard", []) for b in line]


async def _scan_topics(database: Database, trial: Trial, clock: FakeClock) -> int:
    async with database.transaction() as session:
        return (await private_topics.scan_private_topics(session, trial, clock.now())).enqueued


async def _scan_outreach(database: Database, trial: Trial, clock: FakeClock) -> int:
    async with database.transaction() as session:
        return (await outreach.scan_outreach(session, trial, clock.now())).prompted


async def _check_ins(database: Database) -> list[Ticket]:
    async with database.snapshot() as session:
        found = list(await session.scalars(select(Ticket).order_by(Ticket.id)))
        session.expunge_all()
    return found


async def test_an_education_participant_receives_the_weeks_topic_privately_and_nothing_in_a_group(
    runner: TurnRunner, person: Person, clock: FakeClock, database: Database, trial: Trial
) -> None:
    await _allocated(database, clock, trial, person.user_id, "education")
    weeks = trial.protocol.curriculum_for("savings", "26-35")

    clock.advance(DAY)
    first = await _scan_topics(database, trial, clock)
    again = await _scan_topics(database, trial, clock)  # nothing twice
    clock.advance(WEEK)
    second = await _scan_topics(database, trial, clock)

    rows = await _to(database, person.user_id)
    assert (first, again, second) == (1, 0, 1)
    assert [row.kind for row in rows] == [OutboxKind.PRIVATE_TOPIC] * 2
    assert budget_of(OutboxKind.PRIVATE_TOPIC) is Rank.CURRICULUM  # inside the day's budget
    topic = weeks[0].private_topic(Language.NL)
    assert weeks[0].private is not None
    assert topic != weeks[0].nl
    assert rows[0].payload["text"] == nl("curriculum.private", week=1, topic=topic)
    assert weeks[1].private_topic(Language.NL) in rows[1].payload["text"]
    due = clock.now() - WEEK
    assert rows[0].not_before == trial.protocol.next_allowed_time(due)  # quiet hours kept
    async with database.snapshot() as session:
        grouped = await session.scalar(select(GroupMember.participant_id))
        pooled = await session.scalar(select(PoolEntry.participant_id))
        in_groups = await session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.chat_type != "private")
        )
    assert (grouped, pooled, in_groups) == (None, None, None)

    delivered = ClaimedMessage(
        id=rows[0].id,
        chat_id=person.user_id,
        chat_type=rows[0].chat_type,
        method=rows[0].method,
        payload=rows[0].payload,
        participant_id=rows[0].participant_id,
        kind=rows[0].kind,
        lease_until=clock.now(),
    )
    for _ in range(2):  # a delivery recorded twice counts once
        async with database.transaction() as session:
            await private_topics.topic_delivered(session, delivered, Delivered(77), clock.now())
    counted = [e for e in await events_of(person) if e.kind == "topic_delivered"]
    assert [e.detail["week"] for e in counted] == [1]


async def test_private_topics_stop_at_the_intervention_end(
    runner: TurnRunner, person: Person, clock: FakeClock, database: Database, trial: Trial
) -> None:
    await _allocated(database, clock, trial, person.user_id, "education")
    clock.advance(END + DAY)

    assert await _scan_topics(database, trial, clock) == 0
    assert await _to(database, person.user_id) == []


async def test_an_outreach_prompt_reaches_the_counsellor_one_tap_sends_it_and_the_answer_returns(
    runner: TurnRunner, person: Person, clock: FakeClock, database: Database, trial: Trial
) -> None:
    await _allocated(database, clock, trial, person.user_id, "attention")
    counsellor = Person(runner, user_id=COUNSELLOR)

    early = await _scan_outreach(database, trial, clock)
    clock.advance(trial.protocol.outreach.first_after)
    prompted = await _scan_outreach(database, trial, clock)
    [check_in] = await _check_ins(database)
    [prompt] = await _to(database, COUNSELLOR)
    send = button_data.encode(button_data.SendOutreach(check_in.id))

    [confirmed] = await counsellor.run(lambda turn, trial: outreach.press(turn, trial, send))
    [message] = await _to(database, person.user_id)
    [typing] = await person.press(button_data.encode(button_data.AnswerOutreach()))
    [received] = await person.type("Goed hoor, ik heb deze week 10 euro gespaard.")
    to_counsellor = await _to(database, COUNSELLOR)

    draft = trial.protocol.outreach.draft.text(Language.NL)
    assert (early, prompted) == (0, 1)
    assert prompt.kind == OutboxKind.OUTREACH_PROMPT
    assert draft in prompt.payload["text"]
    assert _buttons(prompt) == [send]
    assert confirmed.text == nl("outreach.sent", ticket=check_in.id)
    assert message.kind == OutboxKind.OUTREACH
    assert message.payload["text"] == nl("outreach.named.message", name="Kees", words=draft)
    assert _buttons(message) == [button_data.encode(button_data.AnswerOutreach())]
    assert typing.text == nl("outreach.type_answer")
    assert received.text == nl("inbox.sent")
    assert "10 euro gespaard" in to_counsellor[-1].payload["text"]
    assert to_counsellor[-1].payload["text"].startswith("💬")
    [answered] = await _check_ins(database)
    assert answered.status is TicketStatus.OPEN  # the counsellor answers it in the inbox
    kinds = [e.kind for e in await events_of(person) if e.kind.startswith("outreach_")]
    assert kinds == ["outreach_prompted", "outreach_sent", "outreach_answered"]
    sent = next(e for e in await events_of(person) if e.kind == "outreach_sent")
    assert sent.detail["reply"] == "draft"
    assert sent.detail["round"] == 1


async def test_a_counsellor_replying_to_the_prompt_sends_their_own_words(
    runner: TurnRunner, person: Person, clock: FakeClock, database: Database, trial: Trial
) -> None:
    await _allocated(database, clock, trial, person.user_id, "attention")
    counsellor = Person(runner, user_id=COUNSELLOR)
    clock.advance(trial.protocol.outreach.first_after)
    await _scan_outreach(database, trial, clock)
    [check_in] = await _check_ins(database)
    async with database.transaction() as session:  # the prompt was delivered as message 91
        session.add(TicketMessage(chat_id=COUNSELLOR, message_id=91, ticket_id=check_in.id))
    own = "Hoi Sanne, hoe ging je afspraak bij de gemeente?"

    await counsellor.run(lambda turn, trial: conversation.replied(turn, trial, 91, own))
    [message] = await _to(database, person.user_id)
    again = await counsellor.run(lambda turn, trial: conversation.replied(turn, trial, 91, own))

    assert message.payload["text"] == nl("outreach.named.message", name="Kees", words=own)
    sent = [e for e in await events_of(person) if e.kind == "outreach_sent"]
    assert [e.detail["reply"] for e in sent] == ["typed"]
    assert len(await _to(database, person.user_id)) == 2, "a second reply goes as an answer"
    assert [s.text for s in again] == [nl("inbox.relayed", ticket=check_in.id)]


async def test_no_outreach_after_the_intervention_end(
    runner: TurnRunner, person: Person, clock: FakeClock, database: Database, trial: Trial
) -> None:
    await _allocated(database, clock, trial, person.user_id, "attention")
    counsellor = Person(runner, user_id=COUNSELLOR)
    first, interval = trial.protocol.outreach.first_after, trial.protocol.outreach.interval
    clock.advance(first + 5 * interval)  # day 77, the last round before the end
    assert await _scan_outreach(database, trial, clock) == 1  # prompted, never sent in time
    [late] = await _check_ins(database)
    send = button_data.encode(button_data.SendOutreach(late.id))

    clock.advance(END - (first + 5 * interval) + DAY)
    [refused] = await counsellor.run(lambda turn, trial: outreach.press(turn, trial, send))
    clock.advance(interval)
    after = await _scan_outreach(database, trial, clock)

    assert refused.text == nl("outreach.ended", ticket=late.id)
    assert after == 0
    assert await _to(database, person.user_id) == []
    [closed] = await _check_ins(database)
    assert closed.status is TicketStatus.CLOSED
    kinds = [e.kind for e in await events_of(person) if e.kind.startswith("outreach_")]
    assert kinds == ["outreach_prompted"]


async def test_a_prompt_never_used_lapses_when_the_next_round_comes(
    runner: TurnRunner, person: Person, clock: FakeClock, database: Database, trial: Trial
) -> None:
    await _allocated(database, clock, trial, person.user_id, "attention")
    clock.advance(trial.protocol.outreach.first_after)
    await _scan_outreach(database, trial, clock)
    clock.advance(trial.protocol.outreach.interval)
    await _scan_outreach(database, trial, clock)

    first, second = await _check_ins(database)
    assert (first.status, second.status) == (TicketStatus.CLOSED, TicketStatus.PROMPTED)
    assert (first.outreach_round, second.outreach_round) == (1, 2)


async def test_a_participant_replying_to_the_check_in_answers_it_and_delete_forgets_the_link(
    runner: TurnRunner, person: Person, clock: FakeClock, database: Database, trial: Trial
) -> None:
    await _allocated(database, clock, trial, person.user_id, "attention")
    counsellor = Person(runner, user_id=COUNSELLOR)
    clock.advance(trial.protocol.outreach.first_after)
    await _scan_outreach(database, trial, clock)
    [check_in] = await _check_ins(database)
    send = button_data.encode(button_data.SendOutreach(check_in.id))
    await counsellor.run(lambda turn, trial: outreach.press(turn, trial, send))
    async with database.transaction() as session:  # the check-in reached the person as message 5
        session.add(TicketMessage(chat_id=person.user_id, message_id=5, ticket_id=check_in.id))

    [received] = await person.run(
        lambda turn, trial: conversation.replied(turn, trial, 5, "Prima, dank je!")
    )
    async with database.transaction() as session:
        await forget_participant(session, check_in.participant_id, clock.now())
    async with database.snapshot() as session:
        kept = list(await session.scalars(select(TicketMessage.chat_id)))

    assert received.text == nl("inbox.sent")
    kinds = [e.kind for e in await events_of(person) if e.kind.startswith("outreach_")]
    assert kinds == ["outreach_prompted", "outreach_sent", "outreach_answered"]
    assert person.user_id not in kept


async def test_words_the_bot_cannot_read_point_someone_with_a_counsellor_to_their_button(
    person: Person, clock: FakeClock, database: Database, trial: Trial
) -> None:
    """After a counsellor's answer a person often just types on: the bot, which cannot read it,
    names the counsellor's button (the menu shows two ❓ buttons, "Hulp" is the wrong one)."""
    await _allocated(database, clock, trial, person.user_id, "attention")
    [unassigned] = await person.type("Mag ik nog iets vragen?")
    async with database.transaction() as session:
        participant = await session.scalar(select(Participant))
        kees = await session.scalar(select(StaffMember.id))
        assert participant is not None
        participant.counsellor_id = kees

    [pointed] = await person.type("Mag ik nog iets vragen?")

    assert unassigned.text == nl("unknown.text")
    assert pointed.text == nl("unknown.text_counsellor", button=nl("menu.ask"))
    assert nl("menu.ask") in pointed.text


async def test_an_english_counsellor_gets_the_whole_check_in_in_english_the_draft_in_dutch(
    runner: TurnRunner, person: Person, clock: FakeClock, database: Database, trial: Trial
) -> None:
    """A counsellor who never chose a language reads every message to them in their Telegram
    language (the prompt, the participant's answer around their words, the confirmations),
    never in the participant's; only the draft meant for the Dutch participant stays Dutch."""
    await _allocated(database, clock, trial, person.user_id, "attention")
    counsellor = Person(runner, user_id=COUNSELLOR, language_code="en")
    [hello] = await counsellor.run(lambda turn, trial: outreach.press(turn, trial, None))
    assert hello.text == text(Language.EN, "button.unknown")  # they wrote once: known as English

    clock.advance(trial.protocol.outreach.first_after)
    assert await _scan_outreach(database, trial, clock) == 1
    [check_in] = await _check_ins(database)
    [prompt] = [m for m in await _to(database, COUNSELLOR) if m.kind == OutboxKind.OUTREACH_PROMPT]
    send = button_data.encode(button_data.SendOutreach(check_in.id))
    [confirmed] = await counsellor.run(lambda turn, trial: outreach.press(turn, trial, send))
    [message] = await _to(database, person.user_id)
    await person.press(button_data.encode(button_data.AnswerOutreach()))
    answer = "Goed hoor, ik heb deze week 10 euro gespaard."
    [received] = await person.type(answer)
    forwarded = (await _to(database, COUNSELLOR))[-1]

    draft = trial.protocol.outreach.draft.text(Language.NL)
    assert draft != trial.protocol.outreach.draft.text(Language.EN)
    assert said(
        prompt.payload["text"], "outreach.prompt", language=Language.EN,
        ticket=check_in.id, draft=draft,
    )  # fmt: skip
    labels = [b["text"] for line in prompt.payload["reply_markup"]["inline_keyboard"] for b in line]
    assert labels == [text(Language.EN, "outreach.send_button")]
    assert confirmed.text == text(Language.EN, "outreach.sent", ticket=check_in.id)
    assert message.payload["text"] == nl("outreach.named.message", name="Kees", words=draft)
    assert received.text == nl("inbox.sent")  # the participant is answered in Dutch
    assert said(
        forwarded.payload["text"], "outreach.answered_staff", language=Language.EN,
        ticket=check_in.id, question=answer,
    )  # fmt: skip
