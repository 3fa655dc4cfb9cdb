"""Waiting in a pool: an update at most once per two weeks that says how many more people the
group needs, never two pool messages that contradict each other, and whoever no group can take
is told once, offered their counsellor, and counted."""

from __future__ import annotations

from datetime import timedelta

from bot.db.groups import FormationDecision, PeerGroup
from bot.db.tickets import Ticket, TicketStatus
from bot.i18n import Language, plural, text
from bot.services import button_data
from experiments.records import EventKind
from tests.services.peer_groups import calls
from tests.services.peer_groups.world import (
    ADMIN,
    World,
    counsellor,
    events_of,
    members_of,
    outbox,
    peers,
    rows,
)
from tests.texts import expected, said

DAY = timedelta(days=1)
TWO_WEEKS = timedelta(days=14)  # the shipped pool_update_interval and pool_max_wait
SAVINGS = text(Language.NL, "track.savings")


def _still_waiting(more: int, days: int, language: Language = Language.NL) -> str:
    return text(
        language,
        "pool.still_waiting",
        track=text(language, "track.savings"),
        more=plural(language, "pool.more", more),
        days=plural(language, "pool.days", days),
    )


async def test_who_waits_hears_how_many_more_people_the_group_needs_once_per_two_weeks(
    world: World,
) -> None:
    world = world.with_schedule(pool_max_wait=timedelta(days=42))
    first, second = await peers(world, 2)  # groups start from 3: one more person needed
    for _day in range(35):
        world.clock.advance(DAY)
        await calls.scan(world)
        await calls.scan(world)  # a second tick the same day adds nothing

    for person in (first, second):
        updates = await outbox(world, chat_id=person.user_id)
        assert [u.text for u in updates] == [_still_waiting(1, 28), _still_waiting(1, 14)]
        assert {(u.kind, u.participant_id) for u in updates} == {
            ("pool_update", person.participant_id)
        }
        assert updates[1].not_before - updates[0].not_before >= TWO_WEEKS


async def test_the_number_of_people_still_needed_reads_right_in_either_language(
    world: World,
) -> None:
    world = world.with_groups(min_size=5).with_schedule(pool_max_wait=timedelta(days=21))
    [dutch] = await peers(world, 1, band="16-20")
    [english] = await peers(world, 1, band="50-67", language="en")
    world.clock.advance(TWO_WEEKS)

    await calls.scan(world)

    [told_nl] = await outbox(world, chat_id=dutch.user_id)
    [told_en] = await outbox(world, chat_id=english.user_id)
    assert told_nl.text == _still_waiting(4, 7)
    assert "we zoeken nog 4 mensen" in told_nl.text
    assert told_en.text == _still_waiting(4, 7, Language.EN)
    assert "looking for 4 more people" in told_en.text


async def test_after_downtime_a_waiting_person_gets_one_update_not_a_backlog(
    world: World,
) -> None:
    world = world.with_schedule(pool_max_wait=timedelta(days=70))
    [person] = await peers(world, 1, band="16-20")
    world.clock.advance(TWO_WEEKS * 3 + timedelta(hours=1))

    await calls.scan(world)

    updates = await outbox(world, chat_id=person.user_id, kind="pool_update")
    assert [u.text for u in updates] == [_still_waiting(2, 28)]


async def test_a_paused_person_gets_no_pool_update(world: World) -> None:
    world = world.with_schedule(pool_max_wait=timedelta(days=28))
    paused, active = await peers(world, 2)
    await calls.pause(world, paused)
    world.clock.advance(TWO_WEEKS)

    await calls.scan(world)

    assert await outbox(world, chat_id=paused.user_id, kind="pool_update") == []
    assert len(await outbox(world, chat_id=active.user_id, kind="pool_update")) == 1


async def test_no_two_contradictory_pool_messages(world: World) -> None:
    world = world.with_schedule(pool_max_wait=timedelta(days=21))
    [alone] = await peers(world, 1, band="16-20")  # nobody else saves, no group runs
    [placed] = await peers(world, 1, band="26-35", track="jobsearch")
    await peers(world, 2, band="50-67", track="jobsearch")  # enough for a smaller group
    for _day in range(49):  # seven weeks of daily scans, as in the demo
        world.clock.advance(DAY)
        await calls.scan(world)

    alone_told = await outbox(world, chat_id=alone.user_id)
    assert [t.kind for t in alone_told] == ["pool_update", "pool_placement"]
    assert alone_told[0].text == _still_waiting(2, 7)
    assert said(alone_told[1].text, "pool.not_placeable", within=True, track=SAVINGS)
    assert alone_told[1].not_before - alone_told[0].not_before == timedelta(days=7)
    placed_told = await outbox(world, chat_id=placed.user_id)
    assert [t.kind for t in placed_told] == ["pool_update", "pool_placement"]
    assert placed_told[1].text == expected("pool.merged", size=3)


async def test_not_placeable_is_told_once_and_counted(world: World) -> None:
    leader = await counsellor(world)
    people = await peers(world, 2, band="16-20")  # too few in their track, across every band
    world.clock.advance(TWO_WEEKS)

    await calls.scan(world)
    world.clock.advance(timedelta(hours=1))
    await calls.scan(world)
    world.clock.advance(TWO_WEEKS * 2)
    await calls.scan(world)

    for person in people:
        [told] = await outbox(world, chat_id=person.user_id)
        assert told.kind == "pool_placement"
        assert said(told.text, "pool.not_placeable", within=True, track=SAVINGS)
        assert expected("pool.not_placeable_counsellor") in told.text
        [[ask]] = told.params["reply_markup"]["inline_keyboard"]
        assert ask["text"] == expected("pool.counsellor_button")
        assert ask["callback_data"] == button_data.encode(button_data.AskAboutPlacement())
    counted = await events_of(world, EventKind.POOL_NOT_PLACEABLE)
    assert sorted(e.participant_id for e in counted) == [p.participant_id for p in people]
    assert all(e.detail == {"waiting": 2, "needed": 3} for e in counted)
    decisions = await rows(world, FormationDecision)
    assert [(d.decision, d.size) for d in decisions] == [("not_placeable", 1)] * 2
    for staff in (ADMIN, leader.user_id):
        [alert] = await outbox(world, chat_id=staff, kind="admin_alert")
        assert said(alert.text, "alerts.pool_overdue", band="16-20", days=14)


async def test_asking_the_counsellor_from_the_not_placeable_message_opens_a_question(
    world: World,
) -> None:
    leader = await counsellor(world)
    [person] = await peers(world, 1, band="16-20")
    world.clock.advance(TWO_WEEKS)
    await calls.scan(world)

    await calls.press(world, person, button_data.encode(button_data.AskAboutPlacement()))

    [ticket] = await rows(world, Ticket)
    assert (ticket.participant_id, ticket.status) == (person.participant_id, TicketStatus.OPEN)
    assert ticket.text == expected("pool.counsellor_question")
    [to_counsellor] = await outbox(world, chat_id=leader.user_id, kind="ticket")
    assert expected("pool.counsellor_question") in to_counsellor.text
    [reply] = [r for r in await outbox(world, chat_id=person.user_id) if r.kind == "reply"]
    assert reply.text == expected("inbox.sent")


async def test_someone_not_placeable_is_placed_once_enough_people_wait(world: World) -> None:
    [first] = await peers(world, 1, band="16-20")
    world.clock.advance(TWO_WEEKS)
    await calls.scan(world)
    newcomers = await peers(world, 2, band="36-49")

    await calls.scan(world)

    [group] = await rows(world, PeerGroup)
    assert (group.age_band, group.formed_size) == ("16-20+36-49", 3)
    placed = {m.participant_id for m in await members_of(world, group.id)}
    assert placed == {first.participant_id} | {p.participant_id for p in newcomers}
    told = await outbox(world, chat_id=first.user_id, kind="pool_placement")
    assert said(told[0].text, "pool.not_placeable", within=True)
    assert told[1].text == expected("pool.merged", size=3)
