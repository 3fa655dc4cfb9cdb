"""One unsolicited message a day, and they agree (issue 25 point 4, SPEC §11.1): at most the
protocol's daily budget of messages nobody asked for reaches a person, the higher rank first, the
other on the next allowed day or dropped when stale; quiet hours are checked again at sending;
every deferral and drop is an event; answers and counsellors' words are never held back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.outbox import OutboxKind, Priority
from bot.outbox.ranks import Exempt, Rank, budget_of
from experiments.protocol import is_quiet
from experiments.records import EventKind
from tests.services.budget_world import (
    DAY,
    PROTOCOL,
    ZONE,
    arrived,
    days_apart,
    gated_sender,
    group_post,
    held,
    local,
    message,
    queue,
    text_arm,
)

MONDAY_10 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam
TUESDAY_9 = datetime(2026, 1, 6, 8, 0, tzinfo=UTC)  # the end of the night's quiet hours


def test_every_kind_the_outbox_sends_is_ranked_or_exempt_for_a_reason() -> None:
    placed = {kind: budget_of(kind) for kind in OutboxKind}
    assert all(isinstance(where, Rank | Exempt) for where in placed.values())
    # SPEC §11.1's order, and the invitations never go stale
    order = [
        OutboxKind.SURVEY_INVITATION,
        OutboxKind.PROMPT,
        OutboxKind.REMINDER,
        OutboxKind.ENCOURAGEMENT,
        OutboxKind.POOL_UPDATE,
    ]
    assert [placed[kind] for kind in order] == sorted(Rank)[:2] + sorted(Rank)[3:]
    assert placed[OutboxKind.TICKET_ANSWER] is Exempt.HUMAN
    assert placed[OutboxKind.GROUP_PROGRESS] is Exempt.GROUP


async def test_a_second_unsolicited_message_on_one_day_waits_for_the_next_morning(
    database: Database, clock: FakeClock
) -> None:
    [saver] = await text_arm(database, MONDAY_10 - 14 * DAY, ["savings"])
    clock.set(MONDAY_10)
    sender = gated_sender(database, clock)
    await queue(database, clock, message(saver, OutboxKind.REMINDER, MONDAY_10))
    await sender.settle()
    clock.set(MONDAY_10 + timedelta(hours=5))
    await queue(database, clock, message(saver, OutboxKind.POOL_UPDATE, clock.now()))
    await sender.settle()
    assert [a.kind for a in await arrived(database)] == ["reminder"]
    clock.set(TUESDAY_9)
    await sender.settle()
    _reminder, update = await arrived(database)
    assert update.kind == "pool_update"
    assert update.at == TUESDAY_9
    [deferral] = await held(database)
    assert (deferral.kind, deferral.message, deferral.reason) == (
        EventKind.MESSAGE_DEFERRED,
        "pool_update",
        "budget_spent",
    )
    assert deferral.until == TUESDAY_9


async def test_when_two_compete_the_follow_up_invitation_goes_first_and_the_reminder_next_day(
    database: Database, clock: FakeClock
) -> None:
    [saver] = await text_arm(database, MONDAY_10 - 42 * DAY, ["savings"])
    clock.set(MONDAY_10)
    sender = gated_sender(database, clock)
    later_today = MONDAY_10 + timedelta(hours=3)
    await queue(
        database,
        clock,
        message(saver, OutboxKind.REMINDER, MONDAY_10),
        message(saver, OutboxKind.SURVEY_INVITATION, later_today),
    )
    await sender.settle()
    assert await arrived(database) == [], "the reminder gives the day to the invitation"
    clock.set(later_today)
    await sender.settle()
    clock.set(TUESDAY_9)
    await sender.settle()
    assert [(a.kind, days_apart(MONDAY_10, a.at)) for a in await arrived(database)] == [
        ("survey_invitation", 0),
        ("reminder", 1),
    ]
    assert [(h.message, h.reason) for h in await held(database)] == [("reminder", "higher_rank")]


async def test_a_message_that_would_wait_past_stale_after_is_dropped_with_an_event(
    database: Database, clock: FakeClock
) -> None:
    [saver] = await text_arm(database, MONDAY_10 - 14 * DAY, ["savings"])
    clock.set(MONDAY_10)
    sender = gated_sender(database, clock)
    await queue(database, clock, message(saver, OutboxKind.REMINDER, MONDAY_10))
    await sender.settle()
    long_due = MONDAY_10 - 2 * DAY  # due on Saturday; the bot was down
    await queue(database, clock, message(saver, OutboxKind.POOL_UPDATE, long_due))
    await sender.settle()
    clock.set(TUESDAY_9 + DAY)
    await sender.settle()
    assert [a.kind for a in await arrived(database)] == ["reminder"]
    [drop] = await held(database)
    assert (drop.kind, drop.message, drop.reason) == (
        EventKind.MESSAGE_DROPPED,
        "pool_update",
        "stale_budget_spent",
    )


async def test_an_invitation_is_never_dropped_however_long_it_waited(
    database: Database, clock: FakeClock
) -> None:
    [saver] = await text_arm(database, MONDAY_10 - 45 * DAY, ["savings"])
    clock.set(MONDAY_10)
    sender = gated_sender(database, clock)
    await queue(database, clock, message(saver, OutboxKind.REMINDER, MONDAY_10))
    await sender.settle()
    await queue(database, clock, message(saver, OutboxKind.SURVEY_INVITATION, MONDAY_10 - 3 * DAY))
    await sender.settle()
    clock.set(TUESDAY_9)
    await sender.settle()
    assert [a.kind for a in await arrived(database)] == ["reminder", "survey_invitation"]


async def test_an_encouragement_never_follows_a_reminder_for_the_same_week(
    database: Database, clock: FakeClock
) -> None:
    [saver] = await text_arm(database, MONDAY_10 - 14 * DAY, ["savings"])
    clock.set(MONDAY_10)
    sender = gated_sender(database, clock)
    await queue(database, clock, message(saver, OutboxKind.REMINDER, MONDAY_10))
    await sender.settle()
    clock.set(MONDAY_10 + 2 * DAY)
    await queue(database, clock, message(saver, OutboxKind.ENCOURAGEMENT, clock.now()))
    await sender.settle()
    assert [a.kind for a in await arrived(database)] == ["reminder"]
    assert [(h.kind, h.reason) for h in await held(database)] == [
        (EventKind.MESSAGE_DROPPED, "follows_reminder")
    ]


async def test_a_reminder_the_sender_reaches_after_nine_in_the_evening_waits_for_the_morning(
    database: Database, clock: FakeClock
) -> None:
    [saver] = await text_arm(database, MONDAY_10 - 14 * DAY, ["savings"])
    due = datetime(2026, 1, 5, 19, 30, tzinfo=UTC)  # 20:30 in Amsterdam
    await queue(database, clock, message(saver, OutboxKind.REMINDER, due))
    clock.set(due + timedelta(hours=1))  # 21:30: the sender was busy, or down
    sender = gated_sender(database, clock)
    await sender.settle()
    assert await arrived(database) == []
    clock.set(TUESDAY_9)
    await sender.settle()
    [reminder] = await arrived(database)
    assert reminder.at == TUESDAY_9
    assert not is_quiet(reminder.at, PROTOCOL.quiet_hours, ZONE)
    assert [(h.reason, h.until) for h in await held(database)] == [("quiet_hours", TUESDAY_9)]


async def test_the_bots_own_group_post_waits_out_quiet_hours(
    database: Database, clock: FakeClock
) -> None:
    night = datetime(2026, 1, 5, 21, 0, tzinfo=UTC)  # 22:00 in Amsterdam
    await queue(database, clock, group_post(OutboxKind.GROUP_WELCOME, night))
    clock.set(night)
    sender = gated_sender(database, clock)
    await sender.settle()
    assert await arrived(database) == []
    clock.set(TUESDAY_9)
    await sender.settle()
    [welcome] = await arrived(database)
    assert local(welcome.at).hour == 9


async def test_answers_and_a_counsellors_words_go_at_once_whatever_the_day_brought(
    database: Database, clock: FakeClock
) -> None:
    [saver] = await text_arm(database, MONDAY_10 - 14 * DAY, ["savings"])
    clock.set(MONDAY_10)
    sender = gated_sender(database, clock)
    await queue(database, clock, message(saver, OutboxKind.REMINDER, MONDAY_10))
    await sender.settle()
    late = datetime(2026, 1, 5, 21, 30, tzinfo=UTC)  # 22:30: inside quiet hours too
    clock.set(late)
    answers = [
        message(saver, OutboxKind.REPLY, late),
        message(saver, OutboxKind.CONGRATULATION, late + timedelta(seconds=1)),
        message(saver, OutboxKind.TICKET_ANSWER, late + timedelta(seconds=2)),
        # a pool update said in answer to the person's own /resume rides in the reply lane
        message(
            saver, OutboxKind.POOL_UPDATE, late + timedelta(seconds=3), priority=Priority.REPLY
        ),
    ]
    await queue(database, clock, *answers)
    clock.set(late + timedelta(seconds=5))
    await sender.settle()
    assert [a.kind for a in await arrived(database)] == [
        "reminder",
        "reply",
        "congratulation",
        "ticket_answer",
        "pool_update",
    ]
    assert await held(database) == []
