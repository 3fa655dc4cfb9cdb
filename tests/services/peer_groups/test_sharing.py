"""`progress_sharing`: a member's own steps in their group, only by their choice, under a name
they confirmed by a tap; off again at once; and a group without the component offers none of
the opt-in ingredients."""

from __future__ import annotations

from datetime import timedelta

from bot.db.delivery import OutboxStatus
from bot.db.study import Event
from bot.i18n import Language, plural
from bot.services.button_data import Together
from bot.services.participants import guide
from experiments.protocol import Component
from experiments.records import EventKind
from tests.services.peer_groups import calls
from tests.services.peer_groups.together import (
    buttons,
    choices_of,
    name_of,
    offering,
    private_to,
    run,
    shares,
    tap,
    type_words,
    volunteers,
)
from tests.services.peer_groups.world import World, joined_group, outbox, rows
from tests.texts import expected

DAY = timedelta(days=1)
WEEK = timedelta(days=7)


def _shared(key: str, count: int, name: str) -> str:
    return plural(Language.NL, f"together.shared.{key}", count, name=name)


async def test_no_name_is_shared_without_opt_in(world: World) -> None:
    world = offering(world, Component.PROGRESS_SHARING)
    group = await joined_group(world, 3)

    await calls.deposit(world, group.members[0], "10")
    await calls.applied(world, group.members[1], "2")  # not a jobseeker: refused anyway

    assert await outbox(world, kind="progress_shared") == []
    assert await rows(world, Event, Event.kind == EventKind.PROGRESS_SHARED) == []


async def test_the_name_is_confirmed_by_a_tap_before_anything_is_shared(world: World) -> None:
    world = offering(world, Component.PROGRESS_SHARING)
    group = await joined_group(world, 3)
    saver = group.members[0]
    name = name_of(saver)

    [ask] = await tap(world, saver, Together("share_on"))
    await calls.deposit(world, saver, "10")  # before the tap: nothing shown
    shown_before = await outbox(world, kind="progress_shared")
    [on] = await tap(world, saver, Together("name_ok"))
    await calls.deposit(world, saver, "5")

    assert buttons(ask) == ["tg:name_ok", "tg:name_other", "tg:name_no"]
    assert expected("together.name.use", name=name) in str(ask.params["reply_markup"])
    assert shown_before == []
    assert on.text == expected("together.sharing.on", name=name)
    [post] = await outbox(world, chat_id=group.chat_id, kind="progress_shared")
    assert post.text == _shared("deposits", 2, name)  # the week's deposits, never the amount


async def test_a_typed_name_is_offered_back_and_refused_with_a_phone_number(world: World) -> None:
    world = offering(world, Component.PROGRESS_SHARING)
    group = await joined_group(world, 3)
    saver = group.members[1]

    await tap(world, saver, Together("share_on"))
    await tap(world, saver, Together("name_other"))
    [refused] = await type_words(world, saver, "Zus 0612345678")
    [offered] = await type_words(world, saver, "  Zus   Z ")
    await calls.deposit(world, saver, "10")
    before_tap = await outbox(world, kind="progress_shared")
    await tap(world, saver, Together("name_ok"))
    await calls.deposit(world, saver, "10")

    assert refused.text == expected("together.name.refused", limit=32)
    assert offered.text == expected("together.name.confirm", name="Zus Z")
    assert before_tap == []
    [post] = await outbox(world, kind="progress_shared")
    assert post.text == _shared("deposits", 2, "Zus Z")
    assert (await choices_of(world, saver)) is not None


async def test_opting_out_stops_sharing_at_once(world: World) -> None:
    world = offering(world, Component.PROGRESS_SHARING)
    group = await joined_group(world, 3)
    saver = group.members[0]
    await shares(world, saver)
    await calls.deposit(world, saver, "10")
    [waiting] = await outbox(world, kind="progress_shared")

    [off] = await tap(world, saver, Together("share_off"))
    await calls.deposit(world, saver, "10")
    world.clock.advance(DAY)
    await calls.deposit(world, saver, "10")

    assert off.text == expected("together.sharing.off")
    [withdrawn] = await outbox(world, kind="progress_shared")
    assert withdrawn.id == waiting.id
    assert withdrawn.status is OutboxStatus.CANCELLED
    choices = await choices_of(world, saver)
    assert choices is not None
    assert choices.shown_name is None  # nothing shows it any more: forgotten
    kinds = [e.kind for e in await rows(world, Event, Event.participant_id == saver.participant_id)]
    assert EventKind.SHARING_ON in kinds
    assert EventKind.SHARING_OFF in kinds


async def test_a_jobseekers_post_a_day_says_the_weeks_latest_count(world: World) -> None:
    world = offering(world, Component.PROGRESS_SHARING)
    group = await joined_group(world, 3, track="jobsearch")
    seeker = group.members[2]
    name = name_of(seeker)
    await shares(world, seeker)

    await calls.applied(world, seeker, "2")
    await calls.applied(world, seeker, "1")  # the same day: the waiting post says 3
    world.clock.advance(DAY)
    await calls.applied(world, seeker, "1")

    posts = [post.text for post in await outbox(world, kind="progress_shared")]
    assert posts == [_shared("applications", 3, name), _shared("applications", 4, name)]


async def test_a_group_without_the_components_offers_none_of_them(world: World) -> None:
    group = await joined_group(world, 3)  # the shipped study's peer arm: none of them
    member = group.members[0]

    await calls.scan(world)
    said = [await tap(world, member, Together(action)) for action in ("share_on", "buddy_on")]
    [menu] = await tap(world, member, Together("menu"))
    await volunteers(world, member)
    world.clock.advance(WEEK)
    await calls.scan(world)
    await calls.deposit(world, member, "10")

    assert [s.text for [s] in said] == [expected("together.not_offered")] * 2
    assert menu.text == expected("together.nothing_here")
    assert await private_to(world, member, "together_invite") == []
    assert await choices_of(world, member) is None  # nothing chosen, nothing stored
    for kind in ("progress_shared", "buddy_line", "host_topic", "buddy_news"):
        assert await outbox(world, kind=kind) == []


async def test_members_are_invited_once_to_choose_and_the_help_offers_it(
    world: World,
) -> None:
    world = offering(world, Component.PROGRESS_SHARING, Component.BUDDY)
    group = await joined_group(world, 3)
    member = group.members[0]

    await calls.scan(world)
    await calls.scan(world)
    [helped] = await run(world, member, guide.show_help)
    [menu] = await tap(world, member, "do:together")
    [outsider] = await run(
        world, (await joined_group(world, 3, band="36-49")).members[0], guide.show_help
    )

    [invite] = await private_to(world, member, "together_invite")
    options = "je stappen laten zien aan de groep en een buddy"
    assert invite.text == expected("together.invite", options=options)
    assert buttons(invite) == ["tg:menu"]
    assert "do:together" in buttons(helped)
    assert menu.text.startswith(expected("together.menu.intro"))
    assert buttons(menu) == ["tg:share_on", "tg:buddy_on"]
    assert "do:together" in buttons(outsider)  # the same arm: also offered
