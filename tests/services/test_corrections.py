"""↩️ Herstel (issue 25, build 1): a participant takes back their last entry of any kind with one
confirming tap that names it, within the protocol's window; the correction is an event of its
own, and /progress, the group's week, the export and the analysis all leave the entry out."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.delivery import OutboxMessage
from bot.db.engine import Database
from bot.i18n import Language, plural
from bot.research import read_trial
from bot.services.ledger import ledger_of
from bot.services.participants import corrections, fallback, participation
from bot.services.participants.money import format_amount
from bot.services.peer_groups.posts import scan_group_progress
from bot.services.runner import TurnRunner
from bot.services.trial import Trial
from experiments.allocation import Pseudonymizer
from experiments.analysis import outcome_frame
from experiments.outputs import build_tables
from experiments.protocol import Corrections
from experiments.records import NOTHING, Window
from experiments.records.ledger_frames import done_frame
from tests.services.conftest import (
    Person,
    Said,
    enroll,
    events_of,
    new_code,
    nl,
    participant_of,
    undo,
)
from tests.services.test_who_saved import _group

JOBSEEKER = {"track": "jobsearch", "commitment": "commit:3"}
# 2 applications logged at the clock's start, asked about a week and a minute later
TOO_OLD = nl(
    "undo.too_old",
    what=plural(Language.NL, "count.applications", 2),
    when="5 januari",
    window=plural(Language.NL, "undo.days", 7),
)


def _what(count: int) -> str:
    return plural(Language.NL, "count.applications", count)


async def _applied(person: Person, count: int) -> None:
    """📨 and the number `count` under "how many?": taps only."""
    [how_many] = await person.tap(nl("menu.applied"))
    [choice] = [data for data in how_many.buttons if data.startswith(f"steps:applied:{count}:")]
    await person.press(choice)


async def _ask_undo(person: Person) -> Said:
    [question] = await person.tap(nl("menu.undo"))
    return question


async def _corrections(person: Person) -> list[tuple[str, int | None, int | None, int | None]]:
    return [
        (e.kind, e.amount_cents, e.quantity, e.corrects_event_id)
        for e in await events_of(person)
        if e.kind.endswith("_correction")
    ]


async def _group_post(runner: TurnRunner, chat: int) -> str:
    async with runner.database.snapshot() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == "group_progress", OutboxMessage.chat_id == -chat
            )
        )
        [row] = list(rows)
        return str(row.payload["text"])


async def test_a_jobseeker_corrects_a_wrong_count_by_taps_and_every_count_agrees(
    runner: TurnRunner, clock: FakeClock, trial: Trial
) -> None:
    ria, eve = Person(runner, 5201, "Ria"), Person(runner, 5202, "Eve")
    for jobseeker in (ria, eve):
        await enroll(jobseeker, runner, **JOBSEEKER)
    await _group(runner, "jobsearch", [ria, eve], chat=81)
    # Ria meant 1 and tapped 3; Eve tapped 2 by mistake and sent none
    await _applied(ria, 3)
    question = await _ask_undo(ria)
    assert question.text == "Je laatste invoer: 3 sollicitaties, vandaag. Weghalen?"
    assert question.text == nl("undo.confirm", what=_what(3), when=nl("undo.today"))
    [receipt] = await ria.press(question.buttons[0])
    assert receipt.text == nl(
        "undo.done_applied",
        what=_what(3),
        period_count="0",
        goal=_what(3),
        button=nl("menu.applied"),
    )
    await _applied(ria, 1)
    await _applied(eve, 2)
    await undo(eve)
    [progress] = await ria.run(participation.progress)
    clock.advance(timedelta(days=7))  # the group's week is over
    async with runner.database.transaction() as session:
        await scan_group_progress(session, trial, clock.now())

    assert progress.text.rsplit("\n", 1)[0] == nl(  # then the line naming the week's first day
        "progress.jobsearch",
        applications=_what(1),
        interviews=plural(Language.NL, "count.interviews", 0),
        period_count=1,
        goal=_what(3),
    )
    assert await _group_post(runner, 81) == trial.protocol.templates.render(
        "group_progress_jobsearch",
        Language.NL,
        {"active": "1", "members": "2", "applications": _what(1)},
    )
    pseudonymizer = Pseudonymizer("k")
    tables = build_tables(await read_trial(runner.database, clock.now()), pseudonymizer)
    ids = {p.user_id: (await participant_of(p)).id for p in (ria, eve)}
    names = pseudonymizer.pseudonyms(ids.values())
    events = tables["events"]
    rias = events[events["pseudonym"] == names[ids[ria.user_id]]]
    rows = rias[["event_id", "kind", "quantity", "corrects_event_id"]].astype("object")
    first = rows["event_id"].iloc[0]
    assert rows.where(rows.notna(), None).values.tolist() == [
        [first, "applied", 3, None],
        [first + 1, "applied_correction", -3, first],
        [first + 2, "applied", 1, None],
    ]
    month = {name: clock.now() - timedelta(days=30) for name in names.values()}
    done = done_frame(events, month, {name: clock.now() for name in names.values()})
    assert done["applications"].to_dict() == {
        names[ids[ria.user_id]]: 1,
        names[ids[eve.user_id]]: 0,
    }
    frame = outcome_frame(tables, trial.protocol, clock.now()).set_index("pseudonym")
    assert frame.loc[names[ids[ria.user_id]], "applications"] == 1
    assert frame.loc[names[ids[eve.user_id]], "applications"] == 0


async def _tap_first(person: Person, menu: str, prefix: str) -> None:
    """A menu button, then the first of its choices starting with `prefix`."""
    [question] = await person.tap(nl(menu))
    [first, *_rest] = [data for data in question.buttons if data.startswith(prefix)]
    await person.press(first)


@pytest.mark.parametrize(
    ("track", "tap", "what", "correction"),
    [
        (
            "savings",
            ("menu.saved", "dep:"),
            nl("undo.what_deposit", amount=format_amount(500, Language.NL)),
            ("deposit_correction", -500, None),
        ),
        (
            "jobsearch",
            ("menu.applied", "steps:"),
            _what(1),
            ("applied_correction", None, -1),
        ),
        (
            "jobsearch",
            ("menu.interview", "steps:"),
            plural(Language.NL, "count.interviews", 1),
            ("interview_correction", None, -1),
        ),
        (
            "jobsearch",
            ("menu.job", "act:"),
            nl("action.job.name"),
            ("job_correction", None, -1),
        ),
        (
            "jobsearch",
            ("menu.training", "act:"),
            nl("action.training.name"),
            ("training_correction", None, -1),
        ),
    ],
    ids=["deposit", "applied", "interview", "job", "training"],
)
async def test_every_kind_of_entry_is_undone_by_an_event_that_names_it(
    runner: TurnRunner,
    person: Person,
    track: str,
    tap: tuple[str, str],
    what: str,
    correction: tuple[str, int | None, int | None],
) -> None:
    await enroll(
        person,
        runner,
        track=track,
        commitment="commit:3" if track == "jobsearch" else "commit:1000",
    )
    await _tap_first(person, *tap)
    [entry] = await events_of(person)
    question = await _ask_undo(person)
    assert question.text == nl("undo.confirm", what=what, when=nl("undo.today"))
    await person.press(question.buttons[0])
    assert await _corrections(person) == [(*correction, entry.id)]
    kept, _correction = await events_of(person)
    assert (kept.kind, kept.amount_cents, kept.quantity) == (
        entry.kind,
        entry.amount_cents,
        entry.quantity,
    ), "the entry stays as it was"
    participant = await participant_of(person)
    async with runner.database.snapshot() as session:
        assert (await ledger_of(session, participant.id)).done(Window()) == NOTHING


async def test_undo_takes_the_last_entry_then_the_one_before_then_says_what_to_tap(
    runner: TurnRunner, person: Person, clock: FakeClock
) -> None:
    await enroll(person, runner)
    [how_much] = await person.tap(nl("menu.saved"))
    await person.press(how_much.buttons[0])  # €5
    clock.advance(timedelta(minutes=1))
    [how_much] = await person.tap(nl("menu.saved"))
    await person.press(how_much.buttons[1])  # €10
    [removed] = await undo(person)
    assert removed.text == nl(
        "undo.done_deposit",
        what=nl("undo.what_deposit", amount=format_amount(1000, Language.NL)),
        total=format_amount(500, Language.NL),
        button=nl("menu.saved"),
    )
    await undo(person)
    assert await _ask_undo(person) == Said(nl("undo.nothing"), [])
    assert [c[1] for c in await _corrections(person)] == [-1000, -500]


async def test_an_entry_older_than_the_window_stays_and_the_person_hears_what_to_do(
    runner: TurnRunner, person: Person, clock: FakeClock, trial: Trial
) -> None:
    await enroll(person, runner, **JOBSEEKER)  # Monday 5 January
    await _applied(person, 2)
    clock.advance(trial.protocol.corrections.window + timedelta(minutes=1))
    assert await _ask_undo(person) == Said(TOO_OLD, [])
    assert "langer dan 7 dagen geleden" in TOO_OLD
    assert await _corrections(person) == []


async def test_the_window_is_the_protocols(
    database: Database, clock: FakeClock, trial: Trial
) -> None:
    half_a_day = Corrections(window=timedelta(hours=12))
    protocol = trial.protocol.model_copy(update={"corrections": half_a_day})
    runner = TurnRunner(database, clock, replace(trial, protocol=protocol))
    person = Person(runner, user_id=5001)
    await enroll(person, runner, **JOBSEEKER)
    await _applied(person, 1)
    clock.advance(timedelta(hours=11))
    assert (await _ask_undo(person)).buttons[0].startswith("undo:")
    clock.advance(timedelta(hours=2))
    question = await _ask_undo(person)
    assert question.buttons == []
    assert plural(Language.NL, "undo.hours", 12) in question.text


async def test_a_question_left_open_past_the_window_records_nothing(
    runner: TurnRunner, person: Person, clock: FakeClock, trial: Trial
) -> None:
    await enroll(person, runner, **JOBSEEKER)
    await _applied(person, 2)
    question = await _ask_undo(person)
    clock.advance(trial.protocol.corrections.window + timedelta(minutes=1))
    [reply] = await person.press(question.buttons[0])
    assert reply.text == TOO_OLD
    assert await _corrections(person) == []


async def test_a_double_tap_and_a_second_question_record_one_correction(
    runner: TurnRunner, person: Person
) -> None:
    await enroll(person, runner, **JOBSEEKER)
    await _applied(person, 3)
    first, second = await _ask_undo(person), await _ask_undo(person)
    [stale] = await person.press(first.buttons[0])
    assert stale.text == nl("button.replaced"), "only the latest question is honoured"
    await person.press(second.buttons[0])
    [again] = await person.press(second.buttons[0])
    assert again.text == nl("button.answered")
    assert len(await _corrections(person)) == 1


async def test_keeping_the_entry_changes_nothing(runner: TurnRunner, person: Person) -> None:
    await enroll(person, runner, **JOBSEEKER)
    await _applied(person, 3)
    question = await _ask_undo(person)
    [kept] = await person.press(question.buttons[1])
    assert kept.text == nl("undo.kept")
    assert await _corrections(person) == []
    [removed] = await person.press(question.buttons[0])
    assert removed.text == nl("button.answered"), "the question was answered"


async def test_a_forged_or_someone_elses_undo_button_records_nothing(
    runner: TurnRunner, person: Person
) -> None:
    await enroll(person, runner, **JOBSEEKER)
    other = Person(runner, user_id=5002, first_name="Joost")
    await enroll(other, runner, **JOBSEEKER)
    await _applied(person, 3)
    await _applied(other, 2)
    mine = await _ask_undo(person)
    [theirs] = [e.id for e in await events_of(other)]
    offer = mine.buttons[0].rsplit(":", 1)[1]
    for forged in (f"undo:{theirs}:{offer}", "undo:987654:1", f"undo:{theirs}:1"):
        [reply] = await person.press(forged)
        assert reply.text == nl("button.unknown"), forged
    [reply] = await other.press(mine.buttons[0])
    assert reply.text == nl("button.unknown")
    assert await _corrections(person) == []
    assert await _corrections(other) == []


async def test_the_confirmation_names_the_day_it_was_logged(
    runner: TurnRunner, person: Person, clock: FakeClock
) -> None:
    await enroll(person, runner, **JOBSEEKER)  # on a Monday
    await _applied(person, 2)
    clock.advance(timedelta(days=1))
    assert (await _ask_undo(person)).text == nl(
        "undo.confirm", what=_what(2), when=nl("undo.yesterday")
    )
    clock.advance(timedelta(days=2))
    assert (await _ask_undo(person)).text == nl("undo.confirm", what=_what(2), when="maandag")


async def test_typed_undo_still_asks_the_same_question(runner: TurnRunner, person: Person) -> None:
    await enroll(person, runner, **JOBSEEKER)
    await _applied(person, 3)
    [typed] = await person.run(corrections.offer)  # what /undo runs
    assert typed.text == nl("undo.confirm", what=_what(3), when=nl("undo.today"))
    assert typed.buttons[0].startswith("undo:")


async def test_undo_before_the_intake_is_done_records_nothing(
    runner: TurnRunner, person: Person
) -> None:
    [consent] = await person.start(await new_code(runner))
    await person.press(consent.buttons[0])
    [reply] = await person.run(corrections.offer)
    assert reply.text == nl("activity.not_enrolled")


async def test_the_edit_answer_points_to_the_undo_button(
    runner: TurnRunner, person: Person
) -> None:
    [before] = await person.run(fallback.edited)
    assert before.text == nl("fallback.edit_not_counted")
    await enroll(person, runner, **JOBSEEKER)
    [after] = await person.run(fallback.edited)
    assert after.text == nl("fallback.edit_not_counted_undo", button=nl("menu.undo"))
    assert "↩️ Herstel" in after.text
    assert "/undo" not in after.text


async def test_the_analysis_counts_no_corrected_application(
    runner: TurnRunner, person: Person, clock: FakeClock, trial: Trial
) -> None:
    """On both engines: the outcome frame and the weekly means read the corrected record."""
    await enroll(person, runner, **JOBSEEKER)
    await _applied(person, 3)
    await undo(person)
    await _applied(person, 1)
    clock.advance(timedelta(days=8))
    tables = build_tables(await read_trial(runner.database, clock.now()), Pseudonymizer("k"))
    frame = outcome_frame(tables, trial.protocol, clock.now())
    assert frame["applications"].tolist() == [1.0]
    events = tables["events"]
    assert sorted(events["kind"]) == ["applied", "applied", "applied_correction"]
