"""What participants control themselves, at service level: their progress numbers, their goal,
pause, resume and stop (and the events they leave), /mydata, and erasure as the protocol says."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.db.delivery import OutboxMessage, OutboxStatus
from bot.db.engine import Database
from bot.db.study import (
    AllocatedPerson,
    Allocation,
    Event,
    ParticipantStatus,
    SurveyAnswer,
)
from bot.i18n import Language, plural
from bot.outbox import OutboxKind, OutgoingMessage, enqueue
from bot.services.participants import activity, deletion, participation
from bot.services.participants.money import format_amount
from bot.services.runner import TurnRunner
from bot.services.trial import Trial
from tests.services.conftest import (
    SITE,
    Person,
    Said,
    enroll,
    events_of,
    nl,
    participant_of,
    undo,
)


def _money(cents: int) -> str:
    return format_amount(cents, Language.NL)


async def _deposit(person: Person, typed: str) -> None:
    await person.run(lambda turn, trial: activity.deposit(turn, trial, typed))


async def _log(person: Person, kind: str, typed: str | None = None) -> None:
    await person.run(lambda turn, trial: activity.action(turn, trial, kind, typed))


async def _progress(person: Person) -> str:
    """The progress numbers, without the line naming the day the week starts."""
    [reply] = await person.run(lambda turn, trial: participation.progress(turn, trial))
    numbers, week = reply.text.rsplit("\n", 1)
    assert week == nl("period.week_starts", day="maandag")
    return numbers


async def _goal(person: Person, typed: str | None) -> list[Said]:
    return await person.run(lambda turn, trial: participation.goal(turn, trial, typed))


async def _pause(person: Person) -> list[Said]:
    return await person.run(participation.pause)


async def _resume(person: Person) -> list[Said]:
    return await person.run(lambda turn, trial: participation.resume(turn, trial))


async def _stop(person: Person) -> list[Said]:
    return await person.run(participation.stop)


async def _count(database: Database, model: type, *where: Any) -> int:
    async with database.snapshot() as session:
        query = select(func.count()).select_from(model).where(*where)
        return int(await session.scalar(query) or 0)


async def _pending_nudge(person: Person, kind: OutboxKind = OutboxKind.ENCOURAGEMENT) -> int:
    participant = await participant_of(person)
    async with person.runner.database.transaction() as session:
        await enqueue(
            session,
            OutgoingMessage(
                chat_id=person.user_id,
                text="…",
                kind=kind,
                intent_key=f"{kind}:{participant.id}:test",
                participant_id=participant.id,
            ),
            person.runner.clock.now(),
        )
        row = await session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.intent_key.like(f"{kind}:%:test"))
        )
    assert row is not None
    return row


async def _status_of(database: Database, row: int) -> OutboxStatus:
    async with database.snapshot() as session:
        found = await session.get(OutboxMessage, row)
        assert found is not None
        return found.status


async def test_a_savers_progress_shows_the_total_the_deposits_and_this_periods_part(
    runner: TurnRunner, person: Person, clock: FakeClock, trial: Trial
) -> None:
    await enroll(person, runner, commitment="commit:1000")
    await _deposit(person, "5")
    await _deposit(person, "12,50")
    assert await _progress(person) == nl(
        "progress.savings",
        total=_money(1750),
        deposits=plural(Language.NL, "count.deposits", 2),
        period_total=_money(1750),
        goal=_money(1000),
    )
    clock.advance(trial.protocol.schedule.commitment_period)
    await _deposit(person, "3")
    assert await _progress(person) == nl(
        "progress.savings",
        total=_money(2050),
        deposits=plural(Language.NL, "count.deposits", 3),
        period_total=_money(300),
        goal=_money(1000),
    )


async def test_an_undone_deposit_leaves_the_progress(runner: TurnRunner, person: Person) -> None:
    await enroll(person, runner, commitment="commit:1000")
    await _deposit(person, "5")
    await _deposit(person, "8")
    await undo(person)
    assert await _progress(person) == nl(
        "progress.savings",
        total=_money(500),
        deposits=plural(Language.NL, "count.deposits", 1),
        period_total=_money(500),
        goal=_money(1000),
    )


async def test_undoing_last_periods_deposit_never_makes_this_periods_savings_negative(
    runner: TurnRunner, person: Person, clock: FakeClock, trial: Trial
) -> None:
    await enroll(person, runner, commitment="commit:1000")
    await _deposit(person, "10")
    clock.advance(trial.protocol.schedule.commitment_period)
    await undo(person)
    assert await _progress(person) == nl(
        "progress.savings",
        total=_money(0),
        deposits=plural(Language.NL, "count.deposits", 0),
        period_total=_money(0),
        goal=_money(1000),
    )


async def test_a_jobseekers_progress_counts_applications_and_interviews(
    runner: TurnRunner, person: Person, clock: FakeClock, trial: Trial
) -> None:
    await enroll(person, runner, track="jobsearch", commitment="commit:3")
    await _log(person, "applied", "2")
    await _log(person, "interview")
    clock.advance(trial.protocol.schedule.commitment_period)
    await _log(person, "applied")
    assert await _progress(person) == nl(
        "progress.jobsearch",
        applications=plural(Language.NL, "count.applications", 3),
        interviews=plural(Language.NL, "count.interviews", 1),
        period_count=1,
        goal=plural(Language.NL, "count.applications", 3),
    )


async def test_progress_before_the_intake_is_finished_is_refused(
    runner: TurnRunner, person: Person
) -> None:
    await person.start(None)
    [refused] = await person.run(participation.progress)
    assert refused.text == nl("activity.not_enrolled")
    [reply] = await _goal(person, "10")
    assert reply.text == nl("activity.not_enrolled")


async def test_goal_without_a_value_offers_goals_for_the_track(
    runner: TurnRunner, person: Person
) -> None:
    await enroll(person, runner, track="jobsearch", commitment="commit:3")
    [offer] = await _goal(person, None)
    assert offer.text == nl("goal.ask_jobsearch")
    assert offer.buttons == ["goal:1", "goal:2", "goal:3", "goal:5", "goal:10"]


async def test_a_typed_goal_changes_the_commitment_and_a_bad_one_changes_nothing(
    runner: TurnRunner, person: Person
) -> None:
    await enroll(person, runner, commitment="commit:1000")
    [reply] = await _goal(person, "7,50")
    assert reply.text == nl("goal.changed")
    assert (await participant_of(person)).commitment_cents == 750
    for typed, reason in (("veel", "amount.not_a_number"), ("0", "amount.not_positive")):
        [reply] = await _goal(person, typed)
        assert reply.text == nl(reason)
    assert (await participant_of(person)).commitment_cents == 750


async def test_a_jobseekers_typed_goal_is_a_number_of_applications(
    runner: TurnRunner, person: Person
) -> None:
    await enroll(person, runner, track="jobsearch", commitment="commit:3")
    [reply] = await _goal(person, "5")
    assert reply.text == nl("goal.changed")
    [reply] = await _goal(person, "50")
    assert reply.text == nl("intake.commitment_jobsearch_invalid")
    participant = await participant_of(person)
    assert (participant.commitment_applications, participant.commitment_cents) == (5, None)


async def test_pause_stops_nudges_records_one_event_and_logging_still_works(
    runner: TurnRunner, person: Person, clock: FakeClock, database: Database
) -> None:
    await enroll(person, runner)
    nudge = await _pending_nudge(person)
    [reply] = await _pause(person)
    assert reply.text == nl("pause.done")
    [again] = await _pause(person)
    assert again.text == nl("pause.done")
    participant = await participant_of(person)
    assert participant.status is ParticipantStatus.PAUSED
    assert participant.paused_at == clock.now()
    assert [e.kind for e in await events_of(person)] == ["pause"]
    assert await _status_of(database, nudge) is OutboxStatus.CANCELLED
    await _deposit(person, "5")
    assert [e.kind for e in await events_of(person)] == ["pause", "deposit"]


async def test_stop_withdraws_cancels_nudges_but_not_replies_and_keeps_the_data(
    runner: TurnRunner, person: Person, clock: FakeClock, database: Database
) -> None:
    await enroll(person, runner)
    await _deposit(person, "5")
    nudge = await _pending_nudge(person, OutboxKind.SURVEY_INVITATION)
    [reply] = await _stop(person)
    assert reply.text == nl("stop.done")
    await _stop(person)
    participant = await participant_of(person)
    assert participant.status is ParticipantStatus.WITHDRAWN
    assert participant.withdrawn_at == clock.now()
    assert [e.kind for e in await events_of(person)] == ["deposit", "withdrawal"]
    assert await _status_of(database, nudge) is OutboxStatus.CANCELLED
    pending_replies = await _count(
        database,
        OutboxMessage,
        OutboxMessage.kind == "reply",
        OutboxMessage.status == OutboxStatus.PENDING,
    )
    assert pending_replies > 0, "the stop confirmation itself still goes out"


async def test_resume_after_stop_turns_messages_back_on(runner: TurnRunner, person: Person) -> None:
    await enroll(person, runner)
    await _stop(person)
    await _resume(person)
    assert (await participant_of(person)).status is ParticipantStatus.ACTIVE
    assert [e.kind for e in await events_of(person)] == ["withdrawal", "resume"]


async def _my_data(person: Person, database: Database) -> dict[str, Any]:
    await person.run(lambda turn, trial: participation.my_data(turn, trial))
    async with database.snapshot() as session:
        found = (
            await session.execute(
                select(OutboxMessage.chat_id, OutboxMessage.payload)
                .where(OutboxMessage.method == "sendDocument")
                .order_by(OutboxMessage.id.desc())
                .limit(1)
            )
        ).one()
    chat_id, payload = found
    assert chat_id == person.user_id
    assert payload["caption"] == nl("mydata.caption")
    assert payload["filename"] == "lotgenoot-mydata.json"
    document: dict[str, Any] = json.loads(payload["content"])
    return document


async def test_mydata_sends_everything_stored_about_the_person(
    runner: TurnRunner, person: Person, database: Database
) -> None:
    await enroll(person, runner, commitment="commit:2000")
    await _deposit(person, "12,50")
    participant = await participant_of(person)
    document = await _my_data(person, database)
    mine = document["participant"]
    assert mine["telegram_user_id"] == person.user_id
    assert mine["birth_year"] == 2000
    assert mine["track"] == "savings"
    assert mine["commitment_cents"] == 2000
    assert mine["arm"] == participant.arm
    assert mine["consented_at"] == participant.consented_at.isoformat()
    assert document["site"] == SITE
    assert [(e["kind"], e["amount_cents"]) for e in document["events"]] == [("deposit", 1250)]
    answers = document["questionnaire_answers"]
    assert len(answers) == await _count(database, SurveyAnswer) > 0
    assert {a["wave"] for a in answers} == {"baseline"}


async def test_mydata_of_a_stranger_says_nothing_is_stored(person: Person) -> None:
    [reply] = await person.run(lambda turn, trial: participation.my_data(turn, trial))
    assert reply.text == nl("mydata.nothing")


async def test_delete_asks_first_and_no_erases_nothing(runner: TurnRunner, person: Person) -> None:
    await enroll(person, runner)
    [ask] = await person.run(deletion.ask_delete)
    assert ask.text == nl("delete.confirm")
    assert ask.buttons == ["del:yes", "del:no"]
    [reply] = await person.press("del:no")
    assert reply.text == nl("delete.cancelled")
    participant = await participant_of(person)
    assert participant.status is ParticipantStatus.ACTIVE
    assert participant.telegram_user_id == person.user_id


async def test_erasure_keeps_the_research_record_when_the_protocol_says_so(
    runner: TurnRunner, person: Person, clock: FakeClock, database: Database, trial: Trial
) -> None:
    assert trial.protocol.study.keep_research_data_after_erasure
    await enroll(person, runner)
    await _deposit(person, "5")
    participant = await participant_of(person)
    answers = await _count(database, SurveyAnswer)
    nudge = await _pending_nudge(person)
    [goodbye] = await person.press("del:yes")
    assert goodbye.text == nl("delete.done_kept")
    async with database.snapshot() as session:
        erased = await session.get(type(participant), participant.id)
        assert erased is not None
        assert erased.telegram_user_id is None
        assert erased.status is ParticipantStatus.ERASED
        assert erased.erased_at == clock.now()
        assert erased.birth_year == 2000
        assert erased.arm == participant.arm
        outgoing = [
            (m.chat_id, m.payload)
            for m in await session.scalars(
                select(OutboxMessage).where(OutboxMessage.participant_id == participant.id)
            )
        ]
    assert outgoing, "the earlier replies are still rows"
    assert set(map(repr, outgoing)) == {repr((None, {}))}, "but forget the chat"
    assert await _status_of(database, nudge) is OutboxStatus.CANCELLED
    assert await _count(database, Event, Event.participant_id == participant.id) == 1
    assert await _count(database, SurveyAnswer) == answers > 0
    assert await _count(database, AllocatedPerson) == 1
    [reply] = await person.run(lambda turn, trial: participation.my_data(turn, trial))
    assert reply.text == nl("mydata.nothing")


async def test_erasure_forgets_the_research_record_when_the_protocol_says_so(
    person: Person, database: Database, clock: FakeClock, trial: Trial
) -> None:
    study = trial.protocol.study.model_copy(update={"keep_research_data_after_erasure": False})
    forgetting = Trial(
        trial.protocol.model_copy(update={"study": study}),
        allocation_seed=trial.allocation_seed,
        pseudonym_key=trial.pseudonym_key,
        staff=trial.staff,
    )
    runner = TurnRunner(database, clock, forgetting)
    someone = Person(runner, user_id=person.user_id)
    await enroll(someone, runner)
    await _deposit(someone, "5")
    participant = await participant_of(someone)
    [goodbye] = await someone.press("del:yes")
    assert goodbye.text == nl("delete.done_all")
    async with database.snapshot() as session:
        erased = await session.get(type(participant), participant.id)
        assert erased is not None
        assert (erased.telegram_user_id, erased.birth_year) == (None, None)
        assert erased.status is ParticipantStatus.ERASED
    assert await _count(database, Event, Event.participant_id == participant.id) == 0
    assert await _count(database, SurveyAnswer) == 0
    assert await _count(database, Allocation) == 1, "the allocation log stays whole"
