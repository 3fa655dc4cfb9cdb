"""The attrition ladder (issue 29.4) at service level: a wave not answered after the automated
reminders becomes a call task for a research assistant (a seeded, logged draw), who writes with
the person through the bot and enters the answers, which the export marks by mode."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.calls import CallStatus, CallTask
from bot.db.delivery import OutboxMessage
from bot.db.engine import Database
from bot.db.study import Role, StaffMember, SurveyAnswer
from bot.db.tickets import Ticket, TicketMessage
from bot.i18n import Language, text
from bot.research.reading import read_trial
from bot.services.counsellor_inbox.calls import call_questions
from bot.services.counsellor_inbox.scan import scan_inbox
from bot.services.directory import accept_invite, create_invite
from bot.services.participants import conversation, participation
from bot.services.participants.call_scan import scan_calls
from bot.services.participants.surveys import scan_surveys
from bot.services.runner import TurnRunner
from bot.services.staff import calls
from bot.services.trial import Trial
from experiments.allocation import Pseudonymizer
from experiments.allocation.call_draws import (
    LoggedCallDraw,
    call_draw,
    call_key,
    check_call_draws,
)
from experiments.outputs import build_tables
from experiments.protocol import PREFER_NOT_TO_SAY, FollowUpCalls, Item
from tests.services.conftest import Person, enroll, nl, participant_of
from tests.texts import said

ASSISTANT = 7001


@pytest.fixture
def trial(trial: Trial) -> Trial:
    """The shipped protocol, every non-responder followed up by a research assistant."""
    calls_section = FollowUpCalls(who="research_assistant", share=1.0)
    protocol = trial.protocol.model_copy(update={"follow_up_calls": calls_section})
    return replace(trial, protocol=protocol)


async def _scan(database: Database, trial: Trial, clock: FakeClock) -> None:
    async with database.transaction() as session:
        await scan_surveys(session, trial, clock.now())
        await scan_calls(session, trial, clock.now())


async def _texts_to(database: Database, chat_id: int) -> list[tuple[str, str]]:
    async with database.snapshot() as session:
        rows = await session.execute(
            select(OutboxMessage.intent_key, OutboxMessage.payload)
            .where(OutboxMessage.chat_id == chat_id)
            .order_by(OutboxMessage.id)
        )
        return [(key, payload.get("text", "")) for key, payload in rows]


async def _tasks(database: Database) -> list[CallTask]:
    async with database.snapshot() as session:
        tasks = list(await session.scalars(select(CallTask).order_by(CallTask.id)))
        session.expunge_all()  # read after the snapshot closes
        return tasks


async def _non_responder(
    runner: TurnRunner,
    person: Person,
    database: Database,
    trial: Trial,
    clock: FakeClock,
    assistant_language_code: str | None = None,
) -> None:
    """Enrolled, invited to follow-up 1 and reminded, never answering; then past the wait.
    With `assistant_language_code`, the assistant wrote to the bot once (Telegram language)."""
    async with database.transaction() as session:
        session.add(
            StaffMember(
                telegram_user_id=ASSISTANT,
                role=Role.ASSISTANT,
                joined_at=clock.now(),
                last_active_at=clock.now(),
                display_name="Noor",
            )
        )
    if assistant_language_code is not None:
        assistant = Person(runner, user_id=ASSISTANT, language_code=assistant_language_code)
        await assistant.run(lambda turn, t: turn.say_text("button.unknown"))
    await enroll(person, runner)
    schedule = trial.protocol.schedule
    clock.advance(schedule.survey_times[0])
    await _scan(database, trial, clock)  # the invitation
    for _ in range(schedule.survey_reminders):
        clock.advance(schedule.survey_reminder_after)
        await _scan(database, trial, clock)  # the reminder(s): the last plans the call
    assert [t.status for t in await _tasks(database)] == [CallStatus.PENDING]
    follow_up = trial.protocol.follow_up_calls
    assert follow_up is not None
    clock.advance(follow_up.after)
    await _scan(database, trial, clock)


async def test_a_non_responder_becomes_a_call_task_and_staff_answers_are_marked_staff(
    runner: TurnRunner, person: Person, database: Database, trial: Trial, clock: FakeClock
) -> None:
    await _non_responder(runner, person, database, trial, clock)
    participant = await participant_of(person)
    [task] = await _tasks(database)
    assert task.status is CallStatus.OPEN
    assert task.selected is True
    assert task.draw == call_draw(call_key(trial.allocation_seed), participant.id, 1)
    [(key, words)] = await _texts_to(database, ASSISTANT)
    assert key == f"ticket:{task.ticket_id}:{ASSISTANT}"
    questions = call_questions(participant, trial)
    assert f"P{participant.id}" in words
    assert f"/call {task.id}" in words
    assert participant.arm is not None
    assert participant.arm not in words, "no arm shown"
    assert str(person.user_id) not in words

    # the assistant writes through the bot (a reply to the task), the person writes back
    assistant = Person(runner, user_id=ASSISTANT, first_name="Noor")
    async with database.transaction() as session:
        assert task.ticket_id is not None
        session.add(TicketMessage(chat_id=ASSISTANT, message_id=42, ticket_id=task.ticket_id))
    hello = "Hoi, mag ik je een paar vragen stellen?"
    await assistant.run(lambda turn, t: conversation.replied(turn, t, 42, hello))
    relayed = [w for _k, w in await _texts_to(database, person.user_id) if hello in w]
    assert relayed == [nl("calls.named_answer", name="Noor", words=hello)]
    [passed] = await person.type("Ik had het te druk, bel me maar op 06-12345678")
    assert passed.text == nl("calls.passed_on_without_number"), "told why no call comes"
    relayed_back = (await _texts_to(database, ASSISTANT))[-1][1]
    assert "Ik had het te druk" in relayed_back
    assert "12345678" not in relayed_back, "no phone number passed on (SPEC §11.4)"
    assert nl("calls.phone_removed") in relayed_back
    async with database.snapshot() as session:
        kept = await session.scalar(select(Ticket.text).where(Ticket.id == task.ticket_id))
    assert kept is not None
    assert "12345678" not in kept, "nor stored"

    # the assistant enters the answers: kept as the wave's, marked staff
    plan = trial.protocol.questionnaires
    answers = ["-"] + [
        str(item.min) if item.typed else str(plan.instrument(i).options(item)[0].value)
        for i, item in questions[1:]
    ]
    [done] = await assistant.run(
        lambda turn, t: calls.enter_answers(turn, t, [str(task.id), *answers]),
        roles=calls.CALL_STAFF,
    )
    assert done.text == nl("calls.entered", task=task.id, count=len(questions) - 1)
    async with database.snapshot() as session:
        modes = list(
            await session.scalars(
                select(SurveyAnswer.mode).where(SurveyAnswer.wave == "followup-1")
            )
        )
    assert modes == ["staff"] * (len(questions) - 1)
    [entered] = await _tasks(database)
    assert entered.status is CallStatus.ENTERED
    assert (await participant_of(person)).open_survey_wave is None

    raw = await read_trial(database, clock.now())
    tables = build_tables(raw, Pseudonymizer(b"k" * 32), protocol=trial.protocol)
    items = tables["survey_items"]
    assert set(items[items["wave"] == "followup-1"]["mode"]) == {"staff"}
    assert set(items[items["wave"] == "baseline"]["mode"]) == {"self"}
    [row] = tables["follow_up_calls"].to_dict("records")
    assert (row["wave"], row["selected"], row["status"]) == (1, True, "entered")


async def test_the_assistant_is_told_in_the_words_of_their_task(
    runner: TurnRunner, person: Person, database: Database, trial: Trial, clock: FakeClock
) -> None:
    """The assistant's confirmation names the follow-up task they were given (not a "question"
    numbered by the ticket), text replying to nothing says how to write to the person, and the
    person's "goed hoor" goes to the assistant rather than being answered as small talk."""
    await _non_responder(runner, person, database, trial, clock)
    [task] = await _tasks(database)
    assistant = Person(runner, user_id=ASSISTANT, first_name="Noor")
    async with database.transaction() as session:
        assert task.ticket_id is not None
        session.add(TicketMessage(chat_id=ASSISTANT, message_id=42, ticket_id=task.ticket_id))
    [sent] = await assistant.run(lambda turn, t: conversation.replied(turn, t, 42, "Hoi!"))
    assert sent.text == nl("calls.relayed", task=task.id)
    [how] = await assistant.run(lambda turn, t: conversation.typed(turn, t, "Hoe gaat het?"))
    assert how.text == nl("calls.how_to_write")
    [passed] = await person.type("Goed hoor")
    assert passed.text == nl("calls.passed_on"), "no number, nothing said about one"


async def test_an_english_assistant_gets_the_task_and_the_answers_in_english(
    runner: TurnRunner, person: Person, database: Database, trial: Trial, clock: FakeClock
) -> None:
    """An assistant who never chose a language but writes in English: the task, the frame around
    the Dutch participant's words and the confirmations are English; the person hears Dutch."""
    await _non_responder(runner, person, database, trial, clock, assistant_language_code="en")
    participant = await participant_of(person)
    [task] = await _tasks(database)
    [(_key, words)] = [(k, w) for k, w in await _texts_to(database, ASSISTANT) if "ticket:" in k]
    assert said(words, "calls.task", language=Language.EN, task=task.id, wave=task.wave)
    assistant = Person(runner, user_id=ASSISTANT, first_name="Noor", language_code="en")
    async with database.transaction() as session:
        assert task.ticket_id is not None
        session.add(TicketMessage(chat_id=ASSISTANT, message_id=42, ticket_id=task.ticket_id))
    hello = "Hoi, mag ik je een paar vragen stellen?"
    [sent] = await assistant.run(lambda turn, t: conversation.replied(turn, t, 42, hello))
    assert sent.text == text(Language.EN, "calls.relayed", task=task.id)
    relayed = [w for _k, w in await _texts_to(database, person.user_id) if hello in w]
    assert relayed == [nl("calls.named_answer", name="Noor", words=hello)]
    [passed] = await person.type("Ik had het te druk, bel me maar op 06-12345678")
    assert passed.text == nl("calls.passed_on_without_number")
    back = (await _texts_to(database, ASSISTANT))[-1][1]
    frame = text(Language.EN, "calls.participant_wrote", task=task.id, who=f"P{participant.id}")
    assert back.startswith(frame), back
    assert "Ik had het te druk" in back
    assert text(Language.EN, "calls.phone_removed") in back


async def test_a_wave_answered_before_the_draw_is_not_drawn(
    runner: TurnRunner, person: Person, database: Database, trial: Trial, clock: FakeClock
) -> None:
    await enroll(person, runner)
    schedule = trial.protocol.schedule
    clock.advance(schedule.survey_times[0])
    await _scan(database, trial, clock)
    clock.advance(schedule.survey_reminder_after * schedule.survey_reminders)
    await _scan(database, trial, clock)
    question = (await person.press("survey:go"))[-1]
    while question.buttons and not question.buttons[0].startswith("survey:"):
        question = (await person.press(question.buttons[0]))[-1]
    follow_up = trial.protocol.follow_up_calls
    assert follow_up is not None
    clock.advance(follow_up.after)
    await _scan(database, trial, clock)
    [task] = await _tasks(database)
    assert (task.status, task.draw) == (CallStatus.RESPONDED, None)


def test_the_draw_is_reproducible_from_its_seed() -> None:
    key = call_key("a-seed")
    draws = [call_draw(key, participant, wave) for participant in range(1, 200) for wave in (1, 2)]
    assert draws == [call_draw(call_key("a-seed"), p, w) for p in range(1, 200) for w in (1, 2)]
    assert draws != [call_draw(call_key("another"), p, w) for p in range(1, 200) for w in (1, 2)]
    assert all(0 <= d < 1 for d in draws)
    assert 0.4 < sum(d < 0.5 for d in draws) / len(draws) < 0.6


def test_study_verify_recomputes_the_logged_draws_and_flags_a_changed_one() -> None:
    key = call_key("a-seed")
    logged = [
        LoggedCallDraw(p, 1, call_draw(key, p, 1), 0.5, call_draw(key, p, 1) < 0.5)
        for p in range(1, 30)
    ]
    assert check_call_draws("a-seed", logged) == []
    first = logged[0]
    flipped = replace(first, selected=not first.selected)
    moved = replace(logged[1], draw=0.999)
    problems = check_call_draws("a-seed", [flipped, moved, *logged[2:]])
    assert len(problems) == 2
    assert "otherwise" in problems[0]
    assert "the seed gives" in problems[1]
    assert len(check_call_draws("another-seed", logged)) == len(logged)


async def test_a_research_assistant_joins_by_invite(
    runner: TurnRunner, database: Database, clock: FakeClock
) -> None:
    async with database.transaction() as session:
        token = await create_invite(session, Role.ASSISTANT, clock.now())
    assistant = Person(runner, user_id=ASSISTANT, first_name="Noor")
    [welcome, _card] = await assistant.run(lambda turn, _t: accept_invite(turn, token))
    assert welcome.text == nl("staff.welcome_assistant")
    async with database.snapshot() as session:
        role = await session.scalar(
            select(StaffMember.role).where(StaffMember.telegram_user_id == ASSISTANT)
        )
    assert role is Role.ASSISTANT


async def test_the_task_is_no_unanswered_question_and_stop_closes_it(
    runner: TurnRunner, person: Person, database: Database, trial: Trial, clock: FakeClock
) -> None:
    await _non_responder(runner, person, database, trial, clock)
    clock.advance(trial.protocol.inbox.escalate_after)
    async with database.transaction() as session:
        scan = await scan_inbox(session, trial, clock.now())
    assert (scan.reminded, scan.escalated) == (0, 0), "a task is not a question left waiting"
    assert len(await _texts_to(database, ASSISTANT)) == 1
    await person.run(participation.stop)
    [task] = await _tasks(database)
    assert task.status is CallStatus.CLOSED


def test_staff_typed_answers_are_read_as_stored() -> None:
    number = Item.model_validate({"id": "n", "nl": "Hoeveel?", "en": "How many?", "type": "number",
                                  "min": 0, "max": 10})  # fmt: skip
    assert calls.parse_answer("7", number) == 7
    assert calls.parse_answer("x", number) == PREFER_NOT_TO_SAY
    assert calls.parse_answer("zeven", number) is None
