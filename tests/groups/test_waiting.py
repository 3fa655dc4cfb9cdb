"""Waiting in a pool, through the sandbox: told what the wait limit did, or that no group can
take them yet (updates while waiting are tested at the service layer)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.i18n import Language, plural, text
from bot.sandbox import TelegramSandbox
from tests.groups.world import (
    counsellor,
    group_bot,
    groups_in,
    join,
    link_of,
    peers,
    ready_group,
    scan,
    texts,
    welcomed,
)
from tests.texts import expected, said


async def test_two_who_cannot_be_placed_past_the_limit_are_told_and_staff_see_the_pool(
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
    savings = text(Language.NL, "track.savings")
    assert sum(said(t, "pool.not_placeable", within=True, track=savings) for t in told) == 1
    two_waiting = plural(Language.NL, "join.people_waiting", 2)
    overdue: dict[str, Any] = {"people": two_waiting, "days": 15}
    alerts = texts(admin.messages)
    assert len(alerts) == 1
    assert said(alerts[0], "alerts.pool_overdue", **overdue)
    assert any(said(t, "alerts.pool_overdue", **overdue) for t in texts(replies))
    assert expected("join.overdue_head", days=14) in replies[-1]["text"]
    line: dict[str, Any] = {"people": two_waiting, "days": 15}
    assert said(replies[-1]["text"], "join.overdue_line", within=True, **line)


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
    assert expected("pool.formed_small", size=3) in texts(told)


async def test_one_left_alone_past_the_limit_joins_a_running_group_and_is_welcomed(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        _leader, chat, members = await ready_group(sandbox, database, clock, runtime, size=3)
        [late] = await peers(sandbox, database, clock, runtime, 1, band="21-25")
        clock.advance(timedelta(days=14))
        await scan(runtime)
        told = await late.wait_for_messages(count=2)
        await join(sandbox, chat, [late], database)
        welcome = await welcomed(runtime, clock, chat, len(members) + 1)

    assert told[0]["text"] == expected("pool.joined_group", size=4)
    assert told[1]["text"] == expected("groups.your_link", link=link_of(late))
    assert chat.is_member(late)
    assert welcome["text"] == plural(Language.NL, "join.welcome", 1, names=late.first_name)
    [(_group, placed)] = await groups_in(database)
    assert len(placed) == len(members) + 1
