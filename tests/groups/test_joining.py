"""Joining: reminders with the personal link for who has not joined, and /group shows them."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.i18n import Language, plural
from bot.runtime import Runtime
from bot.sandbox import SandboxGroup, SandboxUser, TelegramSandbox
from tests.groups.world import (
    bind,
    bind_code,
    counsellor,
    group_bot,
    groups_in,
    join,
    link_of,
    peers,
    scan,
    settle,
    texts,
    welcomed,
)
from tests.texts import expected, said


async def bound_group(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock, runtime: Runtime, size: int
) -> tuple[SandboxUser, SandboxGroup, list[SandboxUser]]:
    """A counsellor, a bound group, and `size` members who got their link (nobody joined yet)."""
    leader = await counsellor(sandbox, database, clock)
    members = await peers(sandbox, database, clock, runtime, size)
    await scan(runtime)
    [ready] = await leader.wait_for_messages(count=1)
    chat = await bind(sandbox, leader, bind_code(ready))
    await settle(runtime)
    for member in members:
        await member.wait_for_messages(count=1)
    return leader, chat, members


async def test_members_who_never_join_are_reminded_twice_and_shown_as_never_joined(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        leader, chat, members = await bound_group(sandbox, database, clock, runtime, 4)
        await join(sandbox, chat, members[:2], database)
        late = members[2:]
        clock.advance(timedelta(hours=23))
        await scan(runtime)
        early = [len(p.messages) for p in late]
        clock.advance(timedelta(hours=1))
        await scan(runtime)
        await scan(runtime)
        first = [await p.wait_for_messages(count=1) for p in late]
        clock.advance(timedelta(hours=48))
        await scan(runtime)
        second = [await p.wait_for_messages(count=1) for p in late]
        clock.advance(timedelta(days=7))
        await scan(runtime)
        [(group, _members)] = await groups_in(database)
        leader.send(f"/group {group.id}")
        [shown] = await leader.wait_for_messages(count=1)

    assert early == [2, 2]  # "waiting" and the link; nothing before 24 hours
    for person, got in [*zip(late, first, strict=True), *zip(late, second, strict=True)]:
        assert len(got) == 1
        assert got[0]["text"] == expected("join.reminder", link=link_of(person))
    assert all(len(p.messages) == 4 for p in late)  # at most two reminders
    assert all(len(p.messages) == 2 for p in members[:2])  # who joined is never reminded
    twice = plural(Language.NL, "join.reminders", 2)
    never_joined = [
        line
        for line in shown["text"].splitlines()
        if said(line, "join.member_never_joined", reminders=twice)
    ]
    assert len(never_joined) == 2
    assert expected("join.not_joined", assigned=0, never=2) in shown["text"]
    assert all(not chat.is_member(p) for p in late)
    assert texts(late[0].messages)[2] == texts(late[0].messages)[3]


async def test_a_burst_of_fifteen_joins_gets_one_welcome_within_the_group_rate_limit(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock, small=False) as runtime:
        _leader, chat, members = await bound_group(sandbox, database, clock, runtime, 15)
        before = len(chat.messages)
        await join(sandbox, chat, members, database)
        welcome = await welcomed(runtime, clock, chat, 15)

    posted = chat.messages[before:]
    assert posted == [welcome]
    assert said(welcome["text"], "join.welcome", count=15)
    mentioned = {e["user"]["id"] for e in welcome["entities"] if e["type"] == "text_mention"}
    assert mentioned == {m.id for m in members}
    assert [c.method for c in sandbox.calls if c.http_status == 429] == []
