"""When an admin removes a counsellor, they hear, for each Telegram group that counsellor led or
bound, who owns it (Telegram's creator keeps members and history) and how to hand it over."""

from __future__ import annotations

from bot.services.peer_groups.ownership import ChatOwner
from tests.services.peer_groups import calls
from tests.services.peer_groups.world import ADMIN, Group, World, bound_group, counsellor, replies
from tests.texts import expected

BOT = 123456  # the bot is an administrator in every group it serves
STEPS = expected("handover.steps")


async def _removal_told(world: World, group: Group, owner: ChatOwner) -> list[str]:
    """What the admin hears on removing the group's counsellor, besides "Done"."""
    leader = group.leader.user_id
    update_id = await calls.staff_remove(world, ADMIN, (str(leader),), {group.chat_id: owner})
    done, *notes = [reply.text for reply in await replies(world, update_id)]
    assert done == expected("admin.staff_removed", id=leader, roles="counsellor")
    return notes


def _who(group: Group) -> str:
    return expected("handover.counsellor", id=group.leader.user_id)


def _new_counsellor(group: Group) -> str:
    return "\n\n" + expected("handover.new_counsellor", group=group.id)


async def test_a_removed_counsellor_who_owns_the_group_is_named_with_numbered_steps_to_hand_it_over(
    world: World,
) -> None:
    group = await bound_group(world, 3)
    owner = ChatOwner(group.leader.user_id, "Sanne", frozenset({BOT}))

    notes = await _removal_told(world, group, owner)

    theirs = expected("handover.theirs", group=group.id, who=_who(group), steps=STEPS)
    assert notes == [theirs + _new_counsellor(group)]
    assert [line[:2] for line in STEPS.splitlines()[:5]] == ["1.", "2.", "3.", "4.", "5."]


async def test_a_group_someone_else_owns_needs_no_handover_but_a_removed_admin_is_named(
    world: World,
) -> None:
    group = await bound_group(world, 3)
    owner = ChatOwner(ADMIN, "Anna", frozenset({BOT, group.leader.user_id}))

    notes = await _removal_told(world, group, owner)

    other = expected(
        "handover.other", group=group.id, who=_who(group), owner="Anna", owner_id=ADMIN
    )
    still = expected("handover.still_admin", who=_who(group))
    assert notes == [f"{other}\n{still}" + _new_counsellor(group)]


async def test_when_telegram_could_not_be_asked_the_admin_hears_what_we_know_and_the_steps(
    world: World,
) -> None:
    group = await bound_group(world, 3)
    owner = ChatOwner(unread="Forbidden: bot was kicked from the supergroup chat")

    notes = await _removal_told(world, group, owner)

    unknown = expected(
        "handover.unknown", group=group.id, who=_who(group), why=owner.unread, steps=STEPS
    )
    assert notes == [unknown + _new_counsellor(group)]


async def test_a_group_handed_to_another_counsellor_is_still_named_when_its_binder_is_removed(
    world: World,
) -> None:
    group = await bound_group(world, 3)
    successor = await counsellor(world)
    await calls.assign(world, ADMIN, group.id, successor.staff_id)
    owner = ChatOwner(group.leader.user_id, "Sanne", frozenset({BOT, successor.user_id}))

    notes = await _removal_told(world, group, owner)

    # it has a counsellor: only who owns the chat, and how to hand it over
    assert notes == [expected("handover.theirs", group=group.id, who=_who(group), steps=STEPS)]


async def test_removing_a_counsellor_without_a_bound_group_says_only_that_it_is_done(
    world: World,
) -> None:
    leader = await counsellor(world)

    update_id = await calls.staff_remove(world, ADMIN, (str(leader.user_id),), {})

    told = [reply.text for reply in await replies(world, update_id)]
    assert told == [expected("admin.staff_removed", id=leader.user_id, roles="counsellor")]
