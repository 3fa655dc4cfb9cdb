"""A period the person can see (issue 25 point 6): the texts say "week" and name the day it
starts, /resume keeps the person's weeks (and says so), and what they logged while paused counts
in the week they logged it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.i18n import Language, text
from bot.services.participants import activity, participation
from bot.services.participants.nudges import scan_periods
from bot.services.runner import TurnRunner
from bot.services.trial import Trial
from tests.services.conftest import Person, enroll, nl, participant_of

# the tests' clock starts on Monday 5 January 2026, 09:00 in Amsterdam
MONDAY_MIDNIGHT = datetime(2026, 1, 4, 23, 0, tzinfo=UTC)  # 00:00 in Amsterdam
WEEK = timedelta(days=7)


async def _resume(person: Person) -> str:
    [reply] = await person.run(participation.resume)
    return reply.text


async def test_the_progress_names_the_day_the_persons_week_starts(
    runner: TurnRunner, person: Person, clock: FakeClock
) -> None:
    await enroll(person, runner)
    clock.advance(timedelta(days=3))  # Thursday
    [reply] = await person.run(participation.progress)
    assert reply.text.endswith("\n" + nl("period.week_starts", day="maandag"))


async def test_an_english_speakers_week_starts_on_the_day_they_joined(
    runner: TurnRunner, person: Person, clock: FakeClock
) -> None:
    clock.advance(timedelta(days=3))  # enrolled on Thursday
    await enroll(person, runner)
    await person.press("lang:en")
    [reply] = await person.run(participation.progress)
    assert reply.text.endswith("\n" + text(Language.EN, "period.week_starts", day="Thursday"))


async def test_resume_keeps_the_persons_weeks_and_says_so(
    runner: TurnRunner, person: Person, clock: FakeClock, trial: Trial
) -> None:
    await enroll(person, runner)
    await person.run(participation.pause)
    clock.advance(timedelta(days=10))  # Thursday of the second week
    reply = await _resume(person)
    assert reply == nl("resume.done") + " " + nl("period.kept_week", day="maandag")
    participant = await participant_of(person)
    assert participant.period_start == MONDAY_MIDNIGHT + WEEK, "the week it is, on the old grid"
    interval = trial.protocol.schedule.encouragement_interval
    assert participant.next_encouragement_at == clock.now() + interval


async def test_a_deposit_logged_while_paused_counts_in_its_week(
    runner: TurnRunner, person: Person, clock: FakeClock, trial: Trial, database: Database
) -> None:
    await enroll(person, runner, commitment="commit:1000")
    clock.advance(WEEK + timedelta(days=1))  # Tuesday of the second week
    await person.run(participation.pause)
    clock.advance(timedelta(days=1))
    await person.run(lambda turn, trial: activity.deposit(turn, trial, "10"))
    clock.advance(timedelta(days=2))  # Friday: back again
    await _resume(person)
    clock.set(MONDAY_MIDNIGHT + 2 * WEEK + timedelta(hours=10))  # the second week has ended
    async with database.transaction() as session:
        scan = await scan_periods(session, trial, clock.now())
    assert (scan.due, scan.enqueued) == (1, 0), "no 'nothing saved last week' to a saver who saved"
