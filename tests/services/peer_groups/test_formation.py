"""Formation: the group scan turns pools into groups by track and age band, gives each a
counsellor who is told how to set it up, and says what happened to whoever waited too long."""

from __future__ import annotations

from datetime import timedelta

from bot.db.groups import FormationDecision, GroupStatus, MemberStatus, PeerGroup, PoolEntry
from bot.i18n import Language, text
from experiments.protocol import Track
from tests.services.peer_groups import calls
from tests.services.peer_groups.world import (
    ADMIN,
    World,
    counsellor,
    members_of,
    outbox,
    peers,
    rows,
)
from tests.texts import expected, said

PAST_THE_LIMIT = timedelta(days=14)  # the shipped pool_max_wait


async def test_a_scan_forms_even_groups_per_age_band_and_leaves_too_few_waiting(
    world: World,
) -> None:
    young = await peers(world, 7, band="21-25")  # groups of 3 to 5: 4 + 3, not 5 + 2
    older = await peers(world, 3, band="36-49")
    alone = await peers(world, 2, band="50-67")

    await calls.scan(world)

    groups = await rows(world, PeerGroup)
    assert [(g.age_band, g.formed_size, g.status) for g in groups] == [
        ("21-25", 4, GroupStatus.AWAITING_BIND),
        ("21-25", 3, GroupStatus.AWAITING_BIND),
        ("36-49", 3, GroupStatus.AWAITING_BIND),
    ]
    placed = {g.id: {m.participant_id for m in await members_of(world, g.id)} for g in groups}
    first, second, third = groups
    assert placed[first.id] | placed[second.id] == {p.participant_id for p in young}
    assert placed[third.id] == {p.participant_id for p in older}
    waiting = await rows(world, PoolEntry, PoolEntry.placed_at.is_(None))
    assert [entry.participant_id for entry in waiting] == [p.participant_id for p in alone]
    decisions = await rows(world, FormationDecision)
    assert [(d.decision, d.age_band, d.size) for d in decisions] == [
        ("formed", "21-25", 4),
        ("formed", "21-25", 3),
        ("formed", "36-49", 3),
    ]


async def test_savers_and_jobseekers_of_one_band_get_groups_of_their_own(world: World) -> None:
    savers = await peers(world, 3, track="savings")
    jobseekers = await peers(world, 3, track="jobsearch")

    await calls.scan(world)

    groups = {g.track: g for g in await rows(world, PeerGroup)}
    assert sorted(groups) == ["jobsearch", "savings"]
    for track, people in ((Track.SAVINGS, savers), (Track.JOBSEARCH, jobseekers)):
        placed = {m.participant_id for m in await members_of(world, groups[track].id)}
        assert placed == {p.participant_id for p in people}


async def test_a_formed_group_goes_to_a_counsellor_who_is_told_how_to_bind_it(
    world: World,
) -> None:
    leader = await counsellor(world)
    await peers(world, 4)

    await calls.scan(world)
    await calls.scan(world)  # the next tick changes nothing

    [group] = await rows(world, PeerGroup)
    assert group.counsellor_id == leader.staff_id
    [ready] = await outbox(world, chat_id=leader.user_id)
    assert ready.kind == "group_ready"
    assert ready.text == expected(
        "groups.ready",
        group=group.id,
        track=text(Language.NL, "track.savings"),
        band="26-35",
        size=4,
        code=group.code,
    )
    assert all(m.status is MemberStatus.ASSIGNED for m in await members_of(world, group.id))
    decisions = await rows(world, FormationDecision, FormationDecision.decision == "assigned")
    assert [d.group_id for d in decisions] == [group.id]


async def test_groups_go_to_the_active_counsellors_in_turn(world: World) -> None:
    first, second = await counsellor(world), await counsellor(world)
    await peers(world, 3, band="21-25")
    await peers(world, 3, band="26-35")
    await peers(world, 3, band="36-49")

    await calls.scan(world)

    leaders = [g.counsellor_id for g in await rows(world, PeerGroup)]
    assert leaders == [first.staff_id, second.staff_id, first.staff_id]


async def test_without_a_counsellor_the_admins_hear_it_once(world: World) -> None:
    await peers(world, 3)

    await calls.scan(world)
    await calls.scan(world)

    [group] = await rows(world, PeerGroup)
    assert group.counsellor_id is None
    [alert] = await outbox(world, chat_id=ADMIN)
    assert alert.kind == "admin_alert"
    assert said(alert.text, "groups.no_counsellor", group=group.id)


async def test_late_arrivals_fill_a_group_that_is_not_bound_yet(world: World) -> None:
    await peers(world, 3)
    await calls.scan(world)
    late = await peers(world, 3)

    await calls.scan(world)

    [group] = await rows(world, PeerGroup)
    placed = [m.participant_id for m in await members_of(world, group.id)]
    assert len(placed) == 5  # up to the maximum; the last one keeps waiting
    assert late[-1].participant_id not in placed
    [filled] = await rows(world, FormationDecision, FormationDecision.decision == "filled")
    assert (filled.group_id, filled.size) == (group.id, 2)


async def test_past_the_wait_limit_a_small_pool_merges_with_its_neighbour_band(
    world: World,
) -> None:
    mine = await peers(world, 2, band="26-35")
    neighbours = await peers(world, 2, band="36-49")
    world.clock.advance(PAST_THE_LIMIT)

    await calls.scan(world)

    [group] = await rows(world, PeerGroup)
    assert (group.age_band, group.formed_size) == ("26-35+36-49", 4)
    [merged] = await rows(world, FormationDecision, FormationDecision.decision == "merged")
    assert merged.group_id == group.id
    for person in mine + neighbours:
        [told] = await outbox(world, chat_id=person.user_id)
        assert (told.kind, told.text) == ("pool_placement", expected("pool.merged", size=4))


async def test_past_the_wait_limit_a_pool_alone_starts_smaller_and_hears_why(
    world: World,
) -> None:
    world = world.with_groups(min_size=4)
    people = await peers(world, 3, band="16-20")  # no neighbour band has anyone waiting
    await calls.scan(world)
    world.clock.advance(PAST_THE_LIMIT)

    await calls.scan(world)

    [group] = await rows(world, PeerGroup)
    assert (group.age_band, group.formed_size) == ("16-20", 3)
    [small] = await rows(world, FormationDecision, FormationDecision.decision == "formed_small")
    assert small.group_id == group.id
    for person in people:
        [told] = await outbox(world, chat_id=person.user_id)
        assert (told.kind, told.text) == ("pool_placement", expected("pool.formed_small", size=3))
