"""`host_rotation`: volunteers take turns hosting their group's week; the host gets the week's
topic to post (or has it posted with one tap, named), and may have one message pinned."""

from __future__ import annotations

from datetime import timedelta

from bot.db.study import Participant
from bot.db.together import GroupEvent, HostWeek
from bot.i18n import Language
from bot.services.button_data import Together
from bot.services.peer_groups.bilingual import MARKS
from experiments.protocol import Component
from tests.services.peer_groups import calls
from tests.services.peer_groups.together import (
    buttons,
    choices_of,
    name_of,
    offering,
    pin,
    private_to,
    tap,
    volunteers,
)
from tests.services.peer_groups.world import Group, World, joined_group, outbox, rows
from tests.texts import expected, protocol_text, topic

DAY = timedelta(days=1)
WEEK = timedelta(days=7)


async def _hosting(world: World, size: int = 4) -> tuple[World, Group]:
    world = offering(world, Component.HOST_ROTATION)
    return world, await joined_group(world, size)


def _prompt(week: int) -> str:
    return protocol_text("curriculum_prompt", week=week, topic=topic("savings", week))


async def test_a_host_rotation_over_four_weeks(world: World) -> None:
    world, group = await _hosting(world, 4)
    a, b, c, d = group.members
    for member in (a, b, c):  # d would rather not
        await volunteers(world, member)

    hosts = []
    for _week in range(4):
        world.clock.advance(WEEK)
        await calls.scan(world)
        await calls.scan(world)
        [week] = [w for w in await rows(world, HostWeek) if w.week_start <= world.clock.now()][-1:]
        hosts.append(week.participant_id)

    assert hosts == [a.participant_id, b.participant_id, c.participant_id, a.participant_id]
    weeks = await rows(world, HostWeek)
    assert [w.topic_week for w in weeks] == [1, 2, 3, 4]  # the topics, in order, to the hosts
    got = [s.text for s in await private_to(world, a, "host_topic")]
    assert got == [expected("together.host.week_topic", topic=_prompt(w)) for w in (1, 4)]
    assert await private_to(world, d, "host_topic") == []
    assert await outbox(world, chat_id=group.chat_id, kind="curriculum") == []  # hosts carry them
    assert [c.hosted for c in [await choices_of(world, m) for m in (a, b, c)] if c] == [2, 1, 1]


async def test_the_host_has_the_topic_posted_with_a_tap_under_a_name_they_confirm(
    world: World,
) -> None:
    world, group = await _hosting(world, 3)
    host = group.members[0]
    await volunteers(world, host)
    world.clock.advance(WEEK)
    await calls.scan(world)
    [handed] = await private_to(world, host, "host_topic")
    [press] = buttons(handed)

    [ask] = await tap(world, host, press)
    [posted] = await tap(world, host, Together("name_ok"))
    [again] = await tap(world, host, press)
    world.clock.advance(DAY)
    await calls.scan(world)
    world.clock.advance(DAY)
    await calls.scan(world)

    assert ask.text == expected("together.name.ask_host")
    assert posted.text == expected("together.host.posted")
    assert again.text == expected("together.host.post_done")
    [post] = await outbox(world, chat_id=group.chat_id, kind="host_post")
    assert post.text == expected("together.host.topic_post", name=name_of(host), prompt=_prompt(1))
    assert await outbox(world, chat_id=group.chat_id, kind="curriculum") == []
    choices = await choices_of(world, host)
    assert choices is not None
    assert choices.shown_name is None  # shown once, in the post; not kept
    kinds = [e.kind for e in await rows(world, GroupEvent)]
    assert "host_topic_by_tap" in kinds


async def test_a_topic_left_a_day_is_posted_by_the_bot_saying_so_unless_the_host_wrote(
    world: World,
) -> None:
    world, group = await _hosting(world, 3)
    silent, writer, _other = group.members
    await volunteers(world, silent)
    world.clock.advance(WEEK)
    await calls.scan(world)  # the silent one hosts week 1
    world.clock.advance(DAY + timedelta(hours=1))
    await calls.scan(world)
    await volunteers(world, writer)
    world.clock.advance(WEEK - DAY - timedelta(hours=1))
    await calls.scan(world)  # the writer hosts week 2 (fewest weeks hosted)
    await calls.group_message(world, group.chat_id, writer.user_id, 77)
    world.clock.advance(DAY + timedelta(hours=1))
    await calls.scan(world)

    posted = [s.text for s in await outbox(world, chat_id=group.chat_id, kind="curriculum")]
    # week 1 by the bot, which says that it posts the topic this week (naming nobody);
    # week 2 in the writer's own words
    assert posted == [expected("together.host.bot_posts", prompt=_prompt(1))]
    assert name_of(silent) not in posted[0]
    hows = [w.posted_how for w in await rows(world, HostWeek)]
    assert hows == ["bot", "own_words"]


async def test_the_host_may_have_one_message_pinned_that_week_and_nobody_else(
    world: World,
) -> None:
    world, group = await _hosting(world, 3)
    host, other, _third = group.members
    await volunteers(world, host)
    world.clock.advance(WEEK)
    await calls.scan(world)

    await pin(world, group.chat_id, host.user_id, 41)
    [used] = await pin(world, group.chat_id, host.user_id, 42)
    [refused] = await pin(world, group.chat_id, other.user_id, 43)
    await pin(world, group.chat_id, group.leader.user_id, 44)  # the counsellor, as ever
    await volunteers(world, other)
    world.clock.advance(WEEK)
    await calls.scan(world)  # the other's turn now
    [not_host_now] = await pin(world, group.chat_id, host.user_id, 45)
    await pin(world, group.chat_id, other.user_id, 46)

    pins = await outbox(world, method="pinChatMessage")
    assert [p.params["message_id"] for p in pins] == [41, 44, 46]
    assert used.text == expected("together.host.pin_used")
    assert refused.text == expected("moderation.not_allowed")
    assert not_host_now.text == expected("moderation.not_allowed")


async def test_with_nobody_willing_the_week_has_no_host_and_the_bot_posts_the_topic(
    world: World,
) -> None:
    world, _group = await _hosting(world, 3)
    world.clock.advance(DAY)
    await calls.scan(world)

    [week] = await rows(world, HostWeek)
    assert week.participant_id is None
    assert [s.text for s in await outbox(world, kind="curriculum")] == [_prompt(1)]
    assert await outbox(world, kind="host_topic") == []


async def test_in_a_mixed_language_group_the_hosts_topic_is_posted_in_both_languages(
    world: World,
) -> None:
    world, group = await _hosting(world, 3)
    silent, _other, english = group.members
    async with world.database.transaction() as session:
        person = await session.get(Participant, english.participant_id)
        assert person is not None
        person.language = "en"
    await volunteers(world, silent)
    world.clock.advance(WEEK)
    await calls.scan(world)  # the topic to its host
    world.clock.advance(DAY + timedelta(hours=1))
    await calls.scan(world)  # left a day: the bot posts it

    [posted] = await outbox(world, chat_id=group.chat_id, kind="curriculum")
    english_prompt = protocol_text(
        "curriculum_prompt", Language.EN, week=1, topic=topic("savings", 1, Language.EN)
    )
    nl, en = MARKS[Language.NL], MARKS[Language.EN]
    dutch = expected("together.host.bot_posts", prompt=_prompt(1))
    english_post = expected("together.host.bot_posts", language=Language.EN, prompt=english_prompt)
    assert posted.text == f"{nl} {dutch}\n\n{en} {english_post}"
