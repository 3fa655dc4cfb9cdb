"""Six weeks of the text arm on the injectable clock (issue 25's acceptance): the scans run and
the sender delivers through the day and the night, as the scheduler would; nobody gets two
unsolicited messages on one day, no reminder arrives in quiet hours, reminders vary, nobody who
logged nothing is praised, and no encouragement follows a reminder for the same week."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.outbox.budget import most_unsolicited_in_a_day
from bot.scheduler import scan_in_chunks
from bot.services.participants.nudges import scan_encouragements, scan_periods
from bot.services.participants.surveys import scan_surveys
from experiments.protocol import is_quiet
from experiments.records import EventKind
from tests.services.budget_world import (
    PROTOCOL,
    TRIAL,
    ZONE,
    Arrived,
    arrived,
    gated_sender,
    held,
    log,
    text_arm,
)

ALLOCATED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # Monday 10:00 in Amsterdam
DAYS = 44  # six weeks and the follow-up invitation after them
# when the scheduler's scans and the sender come round: when reminders, encouragements and
# invitations fall due (10:00), after people logged (14:00), and in the night (22:30)
ROUNDS = (time(10, 0), time(14, 0), time(22, 30))
TRACKS = ["savings", "jobsearch"] * 4
# who never logs, who meets the goal every week, in odd weeks only, in even weeks only
NEVER, ALWAYS, ODD = {0, 1}, {2, 3}, {4, 5}


async def _six_weeks(database: Database, clock: FakeClock) -> list[Arrived]:
    people = await text_arm(database, ALLOCATED, TRACKS)
    sender = gated_sender(database, clock)
    for day in range(DAYS):
        date = (ALLOCATED.astimezone(ZONE) + timedelta(days=day)).date()
        for moment in ROUNDS:
            clock.set(datetime.combine(date, moment, tzinfo=ZONE))
            if moment == time(14, 0) and day % 7 == 2:
                for n, person in enumerate(people):
                    odd_week = (day // 7) % 2 == 1
                    if n in ALWAYS or (n not in NEVER and odd_week == (n in ODD)):
                        await log(database, person, TRACKS[n], clock.now())
            for scan in (scan_periods, scan_encouragements, scan_surveys):
                await scan_in_chunks(database, TRIAL, scan, clock.now())
            await sender.settle()
    return await arrived(database)


async def test_six_text_arm_weeks_bring_one_unsolicited_message_a_day_that_fits(
    database: Database, clock: FakeClock
) -> None:
    got = await _six_weeks(database, clock)
    await _nobody_got_two_unsolicited_messages_on_one_day(database, got)
    _no_reminder_came_in_quiet_hours_and_they_varied(got)
    await _only_who_logged_was_praised_and_never_right_after_a_reminder(database, got)


async def _nobody_got_two_unsolicited_messages_on_one_day(
    database: Database, got: list[Arrived]
) -> None:
    per_day: dict[tuple[int | None, object], int] = defaultdict(int)
    for a in got:
        per_day[(a.participant_id, a.at.astimezone(ZONE).date())] += 1
    assert max(per_day.values()) == 1
    async with database.snapshot() as session:
        assert await most_unsolicited_in_a_day(session, ZONE) == 1
    # every competition was settled by an event: deferred, or dropped for a reason
    events = await held(database)
    assert {h.reason for h in events if h.kind is EventKind.MESSAGE_DEFERRED} == {"higher_rank"}
    assert {h.reason for h in events if h.kind is EventKind.MESSAGE_DROPPED} == {
        "follows_reminder",
        "nothing_logged",
    }
    # the follow-up questionnaire reached everyone, on the day it was due or the next
    assert len([a for a in got if a.kind == "survey_invitation"]) == len(TRACKS)


def _no_reminder_came_in_quiet_hours_and_they_varied(got: list[Arrived]) -> None:
    assert not [a for a in got if is_quiet(a.at, PROTOCOL.quiet_hours, ZONE)]
    reminders = [a for a in got if a.kind == "reminder"]
    for person in (1, 2):  # a saver and a jobseeker who never log: a reminder every week
        theirs = [a.text for a in reminders if a.participant_id == person]
        assert len(theirs) == 6
        assert all(one != following for one, following in pairwise(theirs))
        assert len(set(theirs)) == 3


async def _only_who_logged_was_praised_and_never_right_after_a_reminder(
    database: Database, got: list[Arrived]
) -> None:
    encouraged = [a for a in got if a.kind == "encouragement"]
    assert encouraged, "those who log hear how they are doing"
    assert not [a for a in encouraged if a.participant_id in (1, 2)]
    week = PROTOCOL.schedule.commitment_period
    for praise in encouraged:
        assert not [
            a
            for a in got
            if a.kind == "reminder"
            and a.participant_id == praise.participant_id
            and timedelta(0) <= praise.at - a.at < week
        ], praise
    dropped = {(h.participant_id, h.reason) for h in await held(database)}
    assert {(1, "nothing_logged"), (2, "nothing_logged")} <= dropped
