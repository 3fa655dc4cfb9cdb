"""Waiting in a pool: told in plain words, updated weekly, told what the wait limit did."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.sandbox import TelegramSandbox
from tests.groups.world import (
    WEEK,
    counsellor,
    group_bot,
    groups_in,
    join,
    link_of,
    peers,
    ready_group,
    scan,
    texts,
)


async def test_a_person_put_in_a_pool_hears_why_they_wait_and_a_weekly_update(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        people = await peers(sandbox, database, clock, runtime, 2)
        first = people[0].messages[-1]["text"]
        await scan(runtime)
        await scan(runtime)
        quiet = len(people[0].messages)
        clock.advance(WEEK)
        await scan(runtime)
        await scan(runtime)  # a second scan the same week sends nothing more
        update = await people[0].wait_for_messages(count=1)

    assert "We wachten nog op een paar mensen van ongeveer jouw leeftijd" in first
    assert quiet == 1
    assert len(update) == 1
    assert "Er wachten nu 1 ander met je mee" in update[0]["text"]
    assert "een groep begint vanaf 3 mensen" in update[0]["text"]


async def test_two_left_waiting_past_the_limit_are_told_and_staff_see_the_pool(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    admin = sandbox.add_user("Anna", language_code="nl")
    admin.record.started = True
    async with group_bot(sandbox, database, clock, admins=[admin]) as runtime:
        leader = await counsellor(sandbox, database, clock)
        people = await peers(sandbox, database, clock, runtime, 2)
        clock.advance(timedelta(days=15))
        await scan(runtime)
        await scan(runtime)
        leader.send("/groups")
        replies = await leader.wait_for_messages(count=2)

    told = texts(people[1].messages)
    assert any("te weinig mensen om een groep te beginnen" in t for t in told)
    alerts = [t for t in texts(admin.messages) if t.startswith("Wachtrij")]
    assert len(alerts) == 1
    assert "2 mensen wachten al 15 dagen" in alerts[0]
    assert any(t.startswith("Wachtrij") for t in texts(replies))
    assert "Wachtrijen langer dan 14 dagen:" in replies[-1]["text"]
    assert "2 mensen wachten, al 15 dagen" in replies[-1]["text"]


async def test_a_pool_past_the_limit_forms_smaller_and_its_members_hear_it(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock, min_size=5, max_size=8) as runtime:
        people = await peers(sandbox, database, clock, runtime, 3)
        await scan(runtime)
        assert await groups_in(database) == []
        clock.advance(timedelta(days=14))
        await scan(runtime)
        told = await people[2].wait_for_messages(count=1)

    [(_group, members)] = await groups_in(database)
    assert len(members) == 3
    assert any("begint je groep kleiner, met 3 mensen" in t for t in texts(told))


async def test_one_left_alone_past_the_limit_joins_a_running_group_of_the_next_band(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        _leader, chat, members = await ready_group(sandbox, database, clock, runtime, size=3)
        [late] = await peers(sandbox, database, clock, runtime, 1, band="21-25")
        clock.advance(timedelta(days=14))
        await scan(runtime)
        told = await late.wait_for_messages(count=2)
        await join(sandbox, chat, [late])

    assert "je groep telt nu 4 mensen" in told[0]["text"]
    assert link_of(late) in told[1]["text"]
    assert chat.is_member(late)
    [(_group, placed)] = await groups_in(database)
    assert len(placed) == len(members) + 1
