"""Waiting in a pool: a word each week on how it stands, a word when the wait runs past the
protocol's limit, and the staff told about a pool that cannot form."""

from __future__ import annotations

from datetime import timedelta

from bot.db.delivery import OutboxStatus
from bot.db.groups import FormationDecision, PeerGroup
from bot.i18n import Language, plural, text
from tests.services.peer_groups import calls
from tests.services.peer_groups.world import (
    ADMIN,
    World,
    bound_group,
    context_of,
    counsellor,
    members_of,
    outbox,
    peers,
    rows,
)
from tests.texts import expected

WEEK = timedelta(days=7)  # the shipped pool_update_interval
PAST_THE_LIMIT = timedelta(days=14)  # the shipped pool_max_wait


def _still_waiting(others: int) -> str:
    return expected(
        "pool.still_waiting",
        others=others,
        needed=plural(Language.NL, "pool.people_needed", 3),
        track=text(Language.NL, "track.savings"),
    )


async def test_who_waits_hears_how_it_stands_once_a_week(world: World) -> None:
    first, second = await peers(world, 2)
    await calls.scan(world)
    assert await outbox(world, kind="pool_update") == []  # not in the first week

    world.clock.advance(WEEK)
    await calls.scan(world)
    await calls.scan(world)  # the next tick of the same week adds nothing
    world.clock.advance(WEEK)
    await calls.scan(world)

    for person in (first, second):
        updates = await outbox(world, chat_id=person.user_id)
        assert [u.text for u in updates].count(_still_waiting(1)) == 2
        assert {(u.kind, u.participant_id) for u in updates} == {
            ("pool_update", person.participant_id)
        }


async def test_after_downtime_a_waiting_person_gets_one_update_not_a_backlog(
    world: World,
) -> None:
    [person] = await peers(world, 1, band="16-20")
    world.clock.advance(WEEK * 3 + timedelta(hours=1))

    await calls.scan(world)

    updates = [u.text for u in await outbox(world, chat_id=person.user_id, kind="pool_update")]
    assert updates.count(_still_waiting(0)) == 1


async def test_a_paused_person_gets_no_pool_update(world: World) -> None:
    paused, active = await peers(world, 2)
    await calls.pause(world, paused)
    world.clock.advance(WEEK)

    await calls.scan(world)

    assert await outbox(world, chat_id=paused.user_id, kind="pool_update") == []
    assert len(await outbox(world, chat_id=active.user_id, kind="pool_update")) == 1


async def test_too_few_past_the_limit_keep_waiting_are_told_once_and_staff_hear_of_it(
    world: World,
) -> None:
    leader = await counsellor(world)
    people = await peers(world, 2, band="16-20")  # nobody waits in the band next to theirs
    world.clock.advance(PAST_THE_LIMIT)

    await calls.scan(world)
    world.clock.advance(timedelta(hours=1))
    await calls.scan(world)

    for person in people:
        told = await outbox(world, chat_id=person.user_id)
        assert expected("pool.keep_waiting") in [t.text for t in told]
        assert [t.text for t in told].count(expected("pool.keep_waiting")) == 1
    [waiting] = await rows(world, FormationDecision)
    assert (waiting.decision, waiting.size) == ("waiting", 2)
    for staff in (ADMIN, leader.user_id):
        [alert] = await outbox(world, chat_id=staff, kind="admin_alert")
        assert alert.text == expected(
            "alerts.pool_overdue",
            track=text(Language.NL, "track.savings"),
            band="16-20",
            arm="peer",
            people=plural(Language.NL, "join.people_waiting", 2),
            who=", ".join(f"P{person.participant_id}" for person in people),
            days=14,
        )


async def test_one_alone_past_the_limit_joins_a_bound_group_of_the_next_band(
    world: World,
) -> None:
    group = await bound_group(world, 3, band="26-35")
    [late] = await peers(world, 1, band="36-49")
    world.clock.advance(PAST_THE_LIMIT)

    await calls.scan(world)

    assert await rows(world, PeerGroup, PeerGroup.id != group.id) == []
    members = await members_of(world, group.id)
    assert late.participant_id in {m.participant_id for m in members}
    told = await outbox(world, chat_id=late.user_id, kind="pool_update")
    assert [t.text for t in told] == [expected("pool.merged", size=4)]
    [decision] = await rows(world, FormationDecision, FormationDecision.decision == "joined_group")
    assert (decision.group_id, decision.size) == (group.id, 1)
    links = await outbox(world, chat_id=group.chat_id, method="createChatInviteLink")
    [new_link] = [call for call in links if call.status is OutboxStatus.PENDING]
    [member] = [m for m in members if m.participant_id == late.participant_id]
    assert new_link.params["name"] == member.tag
    assert context_of(new_link)["member_id"] == member.id
