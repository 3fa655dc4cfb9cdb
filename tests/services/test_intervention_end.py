"""An end, then follow-up (issue 29, build 2; SPEC §11.3): `schedule.intervention_length` after
allocation, no reminder, encouragement or counsellor question is taken any more; the person is
told once what continues and how to stop; the follow-up invitation still comes, logging stays
open, and the export says which events fell after the end."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.delivery import OutboxMessage, OutboxStatus
from bot.db.engine import Database
from bot.db.study import Participant
from bot.i18n import Language
from bot.research import read_trial
from bot.services.keyboard import menu_for
from bot.services.participants import activity, guide
from bot.services.participants.ending import scan_endings
from bot.services.participants.nudges import scan_encouragements, scan_periods
from bot.services.participants.surveys import scan_surveys
from bot.services.runner import TurnRunner
from bot.services.trial import Trial
from experiments.allocation import Pseudonymizer
from experiments.analysis import analyse
from experiments.analysis.persistence import NO_FOLLOW_UP
from experiments.outputs import build_tables
from experiments.protocol import Component
from tests.experiments.shipped import shipped_protocol
from tests.services.conftest import Person, enroll, events_of, nl, participant_of

NUDGED = (Component.REMINDER, Component.ENCOURAGEMENT, Component.COUNSELLOR_CONTACT)
FOUR_WEEKS = timedelta(days=28)


@pytest.fixture
def trial(trial: Trial) -> Trial:
    """Every arm nudged and with a counsellor; four weeks of intervention; a survey after two
    weeks and a follow-up wave two weeks after the end."""
    protocol = trial.protocol
    arms = tuple(arm.model_copy(update={"components": NUDGED}) for arm in protocol.arms)
    schedule = protocol.schedule.model_copy(
        update={
            "intervention_length": FOUR_WEEKS,
            "survey_times": (timedelta(days=14),),
            "follow_up_times": (timedelta(days=14),),
        }
    )
    changed = protocol.model_copy(update={"arms": arms, "schedule": schedule})
    return Trial(changed, trial.allocation_seed, trial.pseudonym_key, staff=trial.staff)


async def _scan(database: Database, trial: Trial, clock: FakeClock) -> None:
    """What the scheduler's nudge scan does, in its order."""
    now = clock.now()
    for scan in (scan_endings, scan_periods, scan_encouragements, scan_surveys):
        async with database.transaction() as session:
            await scan(session, trial, now)


async def _queued(database: Database) -> list[tuple[str, str]]:
    async with database.snapshot() as session:
        rows = await session.execute(
            select(OutboxMessage.kind, OutboxMessage.status)
            .where(OutboxMessage.kind != "reply", OutboxMessage.kind != "commands")
            .order_by(OutboxMessage.id)
        )
        return [(str(kind), str(status)) for kind, status in rows]


async def test_after_the_end_no_nudge_is_queued_and_the_follow_up_invitation_still_comes(
    runner: TurnRunner, database: Database, clock: FakeClock, trial: Trial
) -> None:
    sanne = Person(runner, 5401, "Sanne")
    await enroll(sanne, runner)
    # one deposit, so she has progress to hear about (nobody who logged nothing is praised)
    await sanne.run(lambda turn, trial: activity.deposit(turn, trial, "5"))
    for _day in range(4 * 7 - 1):  # the intervention, a day at a time: nothing more saved
        clock.advance(timedelta(days=1))
        await _scan(database, trial, clock)
    during = await _queued(database)
    for _day in range(3 * 7):  # three weeks after the end
        clock.advance(timedelta(days=1))
        await _scan(database, trial, clock)
    after = (await _queued(database))[len(during) :]

    assert {"reminder", "encouragement", "survey_invitation"} <= {kind for kind, _ in during}
    assert [kind for kind, _status in after] == [
        "intervention_end",
        "survey_invitation",  # the wave two weeks after the end
        "survey_reminder",
    ]
    end = await participant_of(sanne)
    assert end.ended_at is not None
    assert end.allocated_at is not None
    assert end.ended_at == end.allocated_at + FOUR_WEEKS
    assert [str(e.kind) for e in await events_of(sanne)].count("intervention_ended") == 1


async def test_the_person_is_told_once_what_continues_and_how_to_stop(
    runner: TurnRunner, database: Database, clock: FakeClock, trial: Trial
) -> None:
    sanne = Person(runner, 5402, "Sanne")
    await enroll(sanne, runner)
    clock.advance(FOUR_WEEKS + timedelta(hours=1))
    await _scan(database, trial, clock)
    clock.advance(timedelta(days=1))
    await _scan(database, trial, clock)
    async with database.snapshot() as session:
        [(payload, status)] = list(
            await session.execute(
                select(OutboxMessage.payload, OutboxMessage.status).where(
                    OutboxMessage.kind == "intervention_end"
                )
            )
        )

    stops = nl("ending.changes") + nl("ending.no_nudges") + nl("ending.no_counsellor") + "\n"
    assert payload["text"] == nl("ending.notice", changes=stops)
    [[stop]] = payload["reply_markup"]["inline_keyboard"]
    assert (stop["text"], stop["callback_data"]) == (nl("shortcut.stop"), "do:stop")
    assert status is OutboxStatus.PENDING


async def test_after_the_end_logging_stays_open_and_the_export_says_follow_up(
    runner: TurnRunner, database: Database, clock: FakeClock, trial: Trial
) -> None:
    sanne = Person(runner, 5403, "Sanne")
    await enroll(sanne, runner)
    await _deposit(sanne)
    clock.advance(FOUR_WEEKS + timedelta(days=2))
    await _scan(database, trial, clock)
    await _deposit(sanne)
    [closed] = await sanne.run(lambda turn, trial: guide.ask_counsellor(turn, trial, "Hallo?"))
    menu = menu_for(await participant_of(sanne), Language.NL)
    tables = build_tables(
        await read_trial(database, clock.now()), Pseudonymizer("k"), protocol=trial.protocol
    )
    events = tables["events"]

    assert closed.text == nl("ending.ask_closed")
    assert nl("menu.ask") not in [label for row in menu for label in row]
    assert events[events["kind"] == "deposit"]["phase"].tolist() == ["intervention", "follow_up"]


async def _deposit(person: Person) -> None:
    [how_much] = await person.tap(nl("menu.saved"))
    await person.press(how_much.buttons[0])


async def test_persistence_is_not_estimable_until_someone_has_a_follow_up_phase(
    runner: TurnRunner, database: Database, clock: FakeClock, trial: Trial
) -> None:
    for number in range(6):
        await enroll(Person(runner, 5410 + number, "Sanne"), runner)
    clock.advance(timedelta(days=14))
    tables = build_tables(
        await read_trial(database, clock.now()), Pseudonymizer("k"), protocol=trial.protocol
    )

    rows = [
        r for r in analyse(tables, trial.protocol, clock.now()).results if "after" in r.outcome.name
    ]

    assert [r.outcome.name for r in rows] == ["deposits_after_end"] * len(rows)
    assert rows
    assert {r.family for r in rows} == {"exploratory"}
    assert {r.not_estimable for r in rows} == {NO_FOLLOW_UP}


async def test_a_follow_up_invitation_after_the_end_first_says_who_writes(
    runner: TurnRunner, database: Database, clock: FakeClock, trial: Trial
) -> None:
    """Weeks of silence after the end: the follow-up wave's invitation opens by saying it is
    Lotgenoot again, keeping the promise of the end notice; a wave during the intervention
    does not."""
    sanne = Person(runner, 5403, "Sanne")
    await enroll(sanne, runner)
    for _day in range(6 * 7):  # the intervention and two weeks after it
        clock.advance(timedelta(days=1))
        await _scan(database, trial, clock)
    async with database.snapshot() as session:
        invitations = list(
            await session.scalars(
                select(OutboxMessage.payload)
                .where(OutboxMessage.kind == "survey_invitation")
                .order_by(OutboxMessage.id)
            )
        )

    during, after = (payload["text"] for payload in invitations)
    hello = nl("survey.after_end_hello")
    assert not during.startswith(hello)
    assert after.startswith(hello + "\n\n")


@pytest.mark.parametrize("arm", ["control", "attention", "education"])
async def test_the_end_notice_names_only_what_the_persons_arm_had(
    runner: TurnRunner, database: Database, clock: FakeClock, arm: str
) -> None:
    """No "no more reminders" to someone who never got one (config/mechanisms.toml's arms):
    control hears of no change, attention of its check-ins and inbox, education of its topics."""
    protocol = shipped_protocol("mechanisms.toml")
    trial = Trial(protocol, "seed", "key")
    sanne = Person(runner, 5404, "Sanne")
    await enroll(sanne, runner)
    async with database.transaction() as session:
        participant = await session.scalar(select(Participant))
        assert participant is not None
        participant.arm = arm
        participant.counsellor_id = None
    assert protocol.schedule.intervention_length is not None
    clock.advance(protocol.schedule.intervention_length + timedelta(hours=1))
    async with database.transaction() as session:
        await scan_endings(session, trial, clock.now())
    async with database.snapshot() as session:
        words = await session.scalar(
            select(OutboxMessage.payload["text"].as_string()).where(
                OutboxMessage.kind == "intervention_end"
            )
        )

    assert words is not None
    assert nl("ending.no_nudges").strip() not in words
    assert (nl("ending.changes").strip() in words) is (arm != "control")
    assert (nl("ending.no_check_ins").strip() in words) is (arm == "attention")
    assert (nl("ending.no_topics").strip() in words) is (arm == "education")
    assert "\n\n\n" not in words
