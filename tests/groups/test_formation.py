"""From the pool to a bound group: formation, counsellor set-up, personal links, gated joins."""

from __future__ import annotations

from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.groups import FormationDecision, ModerationAction, PoolEntry
from bot.db.study import Participant
from bot.i18n import Language, plural, text
from bot.sandbox import TelegramSandbox
from tests.e2e.journey import bot_with_first_arm, enroll, new_code
from tests.groups.world import (
    SQLITE_ONLY,
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
from tests.texts import expected, intake_done, said


async def test_25_peers_form_valid_groups_and_only_members_get_in(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock, small=False) as runtime:
        leader = await counsellor(sandbox, database, clock, invite=True)
        people = await peers(sandbox, database, clock, runtime, 25)
        await scan(runtime)
        ready = await leader.wait_for_messages(count=2)
        (first, first_members), (_second, second_members) = await groups_in(database)
        chat = await bind(sandbox, leader, bind_code(ready[0]))
        await settle(runtime)
        by_participant = await _telegram_ids(database)
        members = [sandbox.user(by_participant[m.participant_id]) for m in first_members]
        await join(sandbox, chat, members, database)
        stranger = sandbox.add_user("Vreemde")
        stranger.request_join(link_of(members[0]))
        outsider = sandbox.user(by_participant[second_members[0].participant_id])
        outsider.request_join(link_of(members[1]))
        await sandbox.wait_for(lambda: not chat.pending_join_requests, what="declines")
        await settle(runtime)

    assert sorted([len(first_members), len(second_members)]) == [12, 13]
    assert len(people) == 25
    assert said(ready[0]["text"], "groups.ready", group=first.id, code=first.code)
    assert all(chat.is_member(member) for member in members)
    assert not chat.is_member(stranger)
    assert not chat.is_member(outsider)
    # One personal link per member; the outbox may create them in any order.
    assert sorted(link["name"] for link in chat.invite_links) == sorted(
        m.tag for m in first_members
    )
    assert all(link["creates_join_request"] for link in chat.invite_links)
    notices = texts(leader.messages)
    assert any(said(t, "groups.declined_stranger", group=first.id) for t in notices)
    async with database.transaction() as session:
        declines = list(await session.scalars(select(ModerationAction.reason)))
        decisions = list(await session.scalars(select(FormationDecision.decision)))
    assert sorted(declines, key=str) == ["other_group", "stranger"]
    assert sorted(decisions) == ["assigned", "assigned", "formed", "formed"]
    assert first.counsellor_id is not None


@SQLITE_ONLY
async def test_bind_confirms_in_the_group_and_welcomes_each_member_with_rules(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        leader = await counsellor(sandbox, database, clock)
        members = await peers(sandbox, database, clock, runtime, 3)
        await scan(runtime)
        [ready] = await leader.wait_for_messages(count=1)
        chat = await bind(sandbox, leader, bind_code(ready))
        await settle(runtime)
        await join(sandbox, chat, members, database)
        welcome = await welcomed(runtime, clock, chat, 3)
    posted = texts(chat.messages)
    [(group, _members)] = await groups_in(database)
    assert posted[0] == expected("groups.bound", group=group.id, sent=3)
    # one welcome for the burst of joins, naming the newcomers, with a pointer to /rules
    assert sum(said(t, "join.welcome") or said(t, "groups.welcome") for t in posted) == 1
    assert not any(said(t, "groups.rules", within=True) for t in posted)
    names = f"Deelnemer 0, Deelnemer 1{text(Language.NL, 'join.and')}Deelnemer 2"
    assert welcome["text"] == plural(Language.NL, "join.welcome", 3, names=names)
    mentioned = [e["user"]["id"] for e in welcome["entities"] if e["type"] == "text_mention"]
    assert mentioned == [m.id for m in members]
    your_link = expected("groups.your_link", link=link_of(members[0]))
    assert members[0].messages[-1]["text"] == your_link


@SQLITE_ONLY
async def test_peer_arm_participant_enters_the_pool_through_the_intake(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "peer", "savings"):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        [done] = await enroll(sanne, await new_code(database, clock))
    async with database.transaction() as session:
        entry = await session.scalar(select(PoolEntry))
    assert done["text"] == intake_done("peer")
    assert entry is not None
    assert (entry.arm, entry.track, entry.age_band) == ("peer", "savings", "26-35")


async def _telegram_ids(database: Database) -> dict[int, int]:
    async with database.transaction() as session:
        rows = await session.execute(select(Participant.id, Participant.telegram_user_id))
        return {pid: tid for pid, tid in rows if tid is not None}
