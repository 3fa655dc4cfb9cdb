"""`buddy`: pairs of members who both opted in, a weekly private line about one's buddy with a
one-tap encouragement, and an end either of them (or leaving) can make, told kindly."""

from __future__ import annotations

from datetime import timedelta

from bot.db.together import BuddyPair, MemberChoices
from bot.i18n import Language, plural
from bot.outbox.outcomes import Delivered
from bot.services.button_data import Together
from bot.services.participants import deletion
from experiments.protocol import Component
from tests.services.peer_groups import calls, weeks
from tests.services.peer_groups.together import (
    buttons,
    choices_of,
    name_of,
    offering,
    private_to,
    run,
    shares,
    tap,
    wants_buddy,
)
from tests.services.peer_groups.world import Group, World, joined_group, outbox, rows
from tests.texts import expected

WEEK = timedelta(days=7)


async def _buddied(world: World, size: int = 4) -> tuple[World, Group]:
    world = offering(world, Component.BUDDY)
    return world, await joined_group(world, size)


def _paired(count: int, names: str) -> str:
    return plural(Language.NL, "together.buddy.paired", count, names=names)


def _nothing(world: World, name: str) -> str:
    """The line about a buddy who logged nothing in the week that just ended: its wording goes
    by that week's ISO number (one of three, the same for the same week)."""
    protocol = world.trial.protocol
    current = protocol.group_week(world.clock.now()).start
    assert current is not None
    ended = protocol.group_week(current - timedelta(seconds=1)).start
    assert ended is not None
    variant = ended.isocalendar().week % 3 + 1
    return expected(f"together.buddy.line_nothing_{variant}", name=name)


async def _pairs(world: World) -> list[set[int]]:
    """The running pairs, as sets of participant ids."""
    seated = await rows(world, MemberChoices, MemberChoices.buddy_pair_id.is_not(None))
    running = {p.id for p in await rows(world, BuddyPair, BuddyPair.ended_at.is_(None))}
    return sorted(
        ({c.participant_id for c in seated if c.buddy_pair_id == pair} for pair in running),
        key=min,
    )


async def test_a_buddy_line_only_when_both_opted_in(world: World) -> None:
    world = offering(world, Component.BUDDY)
    group = await joined_group(world, 3)
    anna, bert, carl = group.members
    [waiting] = await wants_buddy(world, anna)
    await calls.deposit(world, anna, "10")
    world.clock.advance(WEEK)
    await calls.scan(world)
    lines_alone = await outbox(world, kind="buddy_line")

    [paired] = await wants_buddy(world, bert)
    await calls.deposit(world, anna, "10")
    await calls.deposit(world, anna, "5")
    world.clock.advance(WEEK)
    await calls.scan(world)
    await calls.scan(world)  # the week's round is done: nothing twice

    assert waiting.text == expected("together.buddy.waiting")
    assert lines_alone == []
    assert paired.text == _paired(1, name_of(anna))
    [news] = await private_to(world, anna, "buddy_news")
    assert news.text == _paired(1, name_of(bert))
    [to_bert] = await private_to(world, bert, "buddy_line")
    [to_anna] = await private_to(world, anna, "buddy_line")
    saved = plural(Language.NL, "together.buddy.line_saved", 2, name=name_of(anna))
    assert to_bert.text == f"{saved}\n{expected('together.buddy.line_footer')}"
    assert to_anna.text.startswith(_nothing(world, name_of(bert)))
    assert buttons(to_bert) == [f"tg:cheer:{(await _pair_of(world, bert))}:{anna.participant_id}"]
    assert await private_to(world, carl, "buddy_line") == []


async def _pair_of(world: World, peer: object) -> int:
    choices = await choices_of(world, peer)  # type: ignore[arg-type]
    assert choices is not None
    assert choices.buddy_pair_id is not None
    return choices.buddy_pair_id


async def test_an_odd_one_out_makes_a_trio_and_the_next_splits_it_into_two_pairs(
    world: World,
) -> None:
    world, group = await _buddied(world, 4)
    a, b, c, d = group.members
    for member in (a, b, c):
        await wants_buddy(world, member)
    trio = await _pairs(world)
    [newest] = await wants_buddy(world, d)

    assert trio == [{a.participant_id, b.participant_id, c.participant_id}]
    assert await _pairs(world) == [
        {a.participant_id, b.participant_id},
        {c.participant_id, d.participant_id},
    ]
    assert newest.text == _paired(1, name_of(c))
    names = name_of(b)
    assert (await private_to(world, a, "buddy_news"))[-1].text == expected(
        "together.buddy.regrouped", name=name_of(c), names=names
    )


async def test_either_can_end_it_and_the_other_is_told_kindly_and_re_paired(
    world: World,
) -> None:
    world, group = await _buddied(world, 4)
    a, b, c, d = group.members
    for member in (a, b, c, d):
        await wants_buddy(world, member)

    [ended] = await tap(world, a, Together("buddy_off"))

    assert ended.text == expected("together.buddy.off")
    # b, alone now, joins the other pair as a third
    assert await _pairs(world) == [{b.participant_id, c.participant_id, d.participant_id}]
    told = [sent.text for sent in await private_to(world, b, "buddy_news")][-2:]
    both = f"{name_of(c)} en {name_of(d)}"
    assert told == [expected("together.buddy.left", name=name_of(a)), _paired(2, both)]
    choices = await choices_of(world, a)
    assert choices is not None
    assert (choices.buddy_since, choices.buddy_pair_id, choices.shown_name) == (None, None, None)


async def test_an_encouragement_is_relayed_once_a_week_and_only_between_buddies(
    world: World,
) -> None:
    world, group = await _buddied(world, 3)
    a, b, c = group.members
    await wants_buddy(world, a)
    await wants_buddy(world, b)
    pair = await _pair_of(world, a)

    [sent] = await tap(world, a, Together("cheer", (pair, b.participant_id)))
    [again] = await tap(world, a, Together("cheer", (pair, b.participant_id)))
    [forged] = await tap(world, c, Together("cheer", (pair, b.participant_id)))
    world.clock.advance(WEEK)
    await tap(world, a, Together("cheer", (pair, b.participant_id)))

    assert sent.text == expected("together.buddy.cheer_sent", name=name_of(b))
    assert again.text == expected("together.buddy.cheer_already", name=name_of(b))
    assert forged.text == expected("together.buddy.cheer_gone")
    received = [s.text for s in await private_to(world, b, "buddy_cheer")]
    assert received == [expected("together.buddy.cheer_received", name=name_of(a))] * 2
    assert await private_to(world, c, "buddy_cheer") == []


async def test_a_buddy_who_stops_is_not_named_to_the_other(world: World) -> None:
    world, group = await _buddied(world, 3)
    a, b, _c = group.members
    await wants_buddy(world, a)
    await wants_buddy(world, b)

    await calls.stop(world, a)
    await calls.scan(world)

    told = (await private_to(world, b, "buddy_news"))[-1].text
    assert told == expected("together.buddy.gone")
    assert name_of(a) not in told
    assert await _pairs(world) == []


async def test_delete_forgets_the_chosen_name_and_the_buddy_hears_it_without_it(
    world: World,
) -> None:
    world = offering(world, Component.BUDDY, Component.PROGRESS_SHARING)
    group = await joined_group(world, 3)
    a, b, _c = group.members
    await shares(world, a)
    await wants_buddy(world, a)
    await wants_buddy(world, b)
    await calls.deposit(world, a, "10")  # a shared post, still waiting

    await run(world, a, lambda turn, trial: deletion.erase(turn, True, trial))

    assert await choices_of(world, a) is None
    assert (await private_to(world, b, "buddy_news"))[-1].text == expected("together.buddy.gone")
    pending = [s for s in await outbox(world) if s.status.value == "pending"]
    assert not [s for s in pending if name_of(a) in s.text]


async def test_the_buddy_line_carries_the_buddys_check_in_plan_and_whether_it_worked_out(
    world: World,
) -> None:
    world, group = await _buddied(world, 3)
    anna, bert, _carl = group.members
    await wants_buddy(world, anna)
    await wants_buddy(world, bert)
    plans = weeks.buttons(await weeks.asked(world, group))
    await calls.checkin_tap(world, group.chat_id, anna.user_id, plans[weeks.saving(10)])
    world.clock.set(weeks.REVIEW_AT)
    await calls.scan(world)
    [review] = await weeks.posts(world, group, "checkin_review")
    await calls.calls_ended(world, [(review.id, Delivered(901))])
    answers = weeks.buttons(review)
    await calls.checkin_tap(world, group.chat_id, anna.user_id, answers[expected("checkin.yes")])
    world.clock.set(weeks.PLAN_AT + WEEK)
    await calls.scan(world)

    to_bert = (await private_to(world, bert, "buddy_line"))[-1]  # about the week that ended
    to_anna = (await private_to(world, anna, "buddy_line"))[-1]
    name = name_of(anna)
    assert to_bert.text.split("\n") == [
        _nothing(world, name),
        expected("together.buddy.plan_yes", name=name, plan=weeks.saving(10)),
        expected("together.buddy.line_footer"),
    ]
    assert to_anna.text.split("\n") == [  # Bert made no plan: nothing about one
        _nothing(world, name_of(bert)),
        expected("together.buddy.line_footer"),
    ]


async def test_a_buddy_who_logs_nothing_is_told_of_in_other_words_each_week(
    world: World,
) -> None:
    world, group = await _buddied(world, 3)
    anna, bert, _carl = group.members
    await wants_buddy(world, anna)
    await wants_buddy(world, bert)
    said = []
    for _week in range(3):
        world.clock.advance(WEEK)
        await calls.scan(world)
        said.append(_nothing(world, name_of(bert)))

    lines = [s.text.split("\n")[0] for s in await private_to(world, anna, "buddy_line")]
    assert lines == said
    assert len(set(lines)) == 3  # three weeks, three wordings
