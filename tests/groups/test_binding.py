"""/bind refuses, with the reason, anyone but the group's counsellor and a bot without rights."""

from __future__ import annotations

from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.groups import GroupMember, GroupStatus, PeerGroup
from bot.i18n import Language, text
from bot.sandbox import TelegramSandbox
from tests.groups.world import (
    SQLITE_ONLY,
    bind,
    bind_code,
    counsellor,
    group_bot,
    peers,
    scan,
    texts,
)
from tests.texts import expected, said

pytestmark = SQLITE_ONLY


async def _group_status(database: Database) -> tuple[GroupStatus, int]:
    async with database.transaction() as session:
        group = await session.scalar(select(PeerGroup))
        links = await session.scalars(select(GroupMember.invite_link))
        assert group is not None
        return group.status, sum(1 for link in links if link)


async def test_bind_by_someone_else_is_refused_with_the_reason(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        leader = await counsellor(sandbox, database, clock)
        await peers(sandbox, database, clock, runtime, 3)
        await scan(runtime)
        [ready] = await leader.wait_for_messages(count=1)
        other = await counsellor(sandbox, database, clock, name="Otto")
        chat = await bind(sandbox, other, bind_code(ready))
    assert texts(chat.messages) == [expected("groups.bind_not_counsellor", group=1)]
    assert await _group_status(database) == (GroupStatus.AWAITING_BIND, 0)
    assert chat.invite_links == []


async def test_bind_without_rights_names_each_missing_right(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        leader = await counsellor(sandbox, database, clock)
        await peers(sandbox, database, clock, runtime, 3)
        await scan(runtime)
        [ready] = await leader.wait_for_messages(count=1)
        chat = await bind(
            sandbox, leader, bind_code(ready), can_restrict_members=False, can_pin_messages=False
        )
    [refusal] = texts(chat.messages)
    assert said(refusal, "groups.bind_missing_rights")
    assert text(Language.NL, "groups.right.can_restrict_members") in refusal
    assert text(Language.NL, "groups.right.can_pin_messages") in refusal
    assert text(Language.NL, "groups.right.can_delete_messages") not in refusal
    assert await _group_status(database) == (GroupStatus.AWAITING_BIND, 0)


async def test_bind_with_the_bot_as_plain_member_asks_to_make_it_admin(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        leader = await counsellor(sandbox, database, clock)
        await peers(sandbox, database, clock, runtime, 3)
        await scan(runtime)
        [ready] = await leader.wait_for_messages(count=1)
        chat = sandbox.add_group("Spaargroep", leader)
        chat.add_bot(admin=False)
        leader.send_in_group(chat, f"/bind {bind_code(ready)}")
        await sandbox.wait_for(lambda: len(chat.messages) == 1, what="the refusal")
    assert said(chat.messages[0]["text"], "groups.bind_not_admin")


async def test_bind_with_an_unknown_code_says_so(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock):
        leader = await counsellor(sandbox, database, clock)
        chat = await bind(sandbox, leader, "zzzzzzzz")
    assert texts(chat.messages) == [text(Language.NL, "groups.bind_unknown_code")]
