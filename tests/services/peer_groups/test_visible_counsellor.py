"""A visible counsellor (issue 26.6): staff accept a name with their invite, the welcome names
the counsellor, answers carry their first name, a weekly digest brings one post to send with a
tap, and how often they post and answer is counted per group (SPEC §11.4, §11.5)."""

from __future__ import annotations

from datetime import timedelta

from bot.db.groups import GroupMember
from bot.db.study import Participant, Role, StaffMember
from bot.db.tickets import Ticket
from bot.db.together import GroupEvent
from bot.i18n import Language, text
from bot.i18n.money import format_amount
from bot.services import button_data, directory
from bot.services.button_data import SendSuggestion, TicketReply
from bot.services.peer_groups.bilingual import MARKS
from experiments.protocol import Component
from experiments.records import GroupEventKind
from tests.services.peer_groups import calls, weeks
from tests.services.peer_groups.together import name_of, offering, shares, wants_buddy
from tests.services.peer_groups.world import (
    ADMIN,
    Group,
    Sent,
    World,
    bound_group,
    joined_group,
    new_user,
    outbox,
    replies,
    rows,
)
from tests.texts import expected, protocol_text, said

NL, EN = Language.NL, Language.EN

WEEK = timedelta(days=7)


def _buttons(message: Sent) -> list[str]:
    keyboard = message.params.get("reply_markup", {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in keyboard for button in row]


def _signed(name: str, words: str) -> str:
    return f"💬 {name} ({expected('presence.role')}):\n{words}"


async def _named(world: World, group: Group, name: str = "Sanne de Vries") -> None:
    await calls.rename(world, group.leader.user_id, name)


async def _group_events(world: World, kind: GroupEventKind) -> list[GroupEvent]:
    return await rows(world, GroupEvent, GroupEvent.kind == kind)


async def test_staff_accept_their_telegram_name_with_the_invite_and_may_change_it(
    world: World,
) -> None:
    async with world.database.transaction() as session:
        token = await directory.create_invite(session, Role.COUNSELLOR, world.clock.now())
    user_id = new_user()

    accepted = await calls.accept_invite(world, user_id, token, "Sanne")
    renamed = await calls.rename(world, user_id, "  Sanne   de Vries ")
    refused = await calls.rename(world, user_id, "x" * 65)

    [staff] = await rows(world, StaffMember, StaffMember.telegram_user_id == user_id)
    assert (staff.display_name, staff.language) == ("Sanne de Vries", "nl")
    [welcome, card] = [r.text for r in await replies(world, accepted)]
    assert welcome == expected("staff.welcome_counsellor")
    assert card == expected("staff.card.shown", name="Sanne", spoken="Nederlands")
    assert [r.text for r in await replies(world, renamed)] == [
        expected("staff.card.shown", name="Sanne de Vries", spoken="Nederlands")
    ]
    assert [r.text for r in await replies(world, refused)] == [
        expected("staff.card.name_invalid", limit=64)
    ]


async def test_a_staff_members_name_goes_with_their_role(world: World) -> None:
    group = await bound_group(world, 3)
    await _named(world, group)

    await calls.staff_remove(world, ADMIN, (str(group.leader.user_id),), {})

    [staff] = await rows(world, StaffMember, StaffMember.id == group.leader.staff_id)
    assert (staff.active, staff.display_name, staff.language) == (False, None, None)


async def test_the_welcome_names_the_counsellor(world: World) -> None:
    group = await bound_group(world, 3)
    await _named(world, group)

    await calls.member_changed(world, group.chat_id, group.members[0], "joined")

    [welcome] = await outbox(world, chat_id=group.chat_id, kind="group_welcome")
    name = group.members[0].first_name
    assert welcome.text == (
        expected("join.welcome", count=1, names=name)
        + " "
        + expected("presence.welcome_counsellor", name="Sanne")
    )


async def test_an_answer_to_a_members_question_carries_the_counsellors_first_name(
    world: World,
) -> None:
    group = await joined_group(world, 3)
    await _named(world, group)
    member = group.members[0]
    await calls.ask(world, member, "Mag ik ook kleine bedragen sparen?")
    [ticket] = await rows(world, Ticket)

    await calls.ticket_button(
        world, group.leader.user_id, button_data.encode(TicketReply(ticket.id, 0))
    )

    [answer] = await outbox(world, chat_id=member.user_id, kind="ticket_answer")
    canned = world.trial.protocol.inbox.canned[0].text.text(Language.NL)
    assert answer.text == expected("inbox.named.answer", name="Sanne", words=canned)
    [answered] = await _group_events(world, GroupEventKind.COUNSELLOR_ANSWER)
    assert (answered.group_id, answered.via) == (group.id, "canned")


async def test_the_counsellor_gets_a_weekly_digest_with_one_post_a_tap_sends(
    world: World,
) -> None:
    group = await joined_group(world, 4)
    await _named(world, group)
    await calls.scan(world)  # the digest's clock starts with the group's first week
    await calls.deposit(world, group.members[0], "10")
    await calls.group_message(world, group.chat_id, group.members[1].user_id, 5)

    world.clock.advance(WEEK)
    await calls.scan(world)
    await calls.scan(world)  # the next tick adds nothing

    [digest] = await outbox(world, chat_id=group.leader.user_id, kind="counsellor_digest")
    places = await rows(world, GroupMember, GroupMember.group_id == group.id)
    quiet = sorted(p.tag for p in places if p.participant_id != group.members[1].participant_id)
    assert said(digest.text, "counsellor.digest.quiet", within=True, count=3, tags=", ".join(quiet))
    assert said(digest.text, "counsellor.week_savings", within=True, doing=1, joined=4)
    assert not any(member.first_name in digest.text for member in group.members)
    suggestion = expected("presence.suggest.quiet")  # three of four wrote nothing
    assert said(digest.text, "counsellor.digest.suggestion", within=True, post=suggestion)
    [data] = _buttons(digest)
    assert isinstance(button_data.decode(data), SendSuggestion)

    await calls.press_suggestion(world, group.leader.user_id, data)
    again = await calls.press_suggestion(world, group.leader.user_id, data)

    [posted] = await outbox(world, chat_id=group.chat_id, kind="counsellor_post")
    assert posted.text == _signed("Sanne", suggestion)
    assert [r.text for r in await replies(world, again)] == [
        expected("counsellor.digest.already_sent", group=group.id)
    ]
    [sent] = await _group_events(world, GroupEventKind.DIGEST_SENT)
    assert sent.group_id == group.id


async def test_counsellor_posts_are_counted_per_group_however_they_post(world: World) -> None:
    group = await joined_group(world, 3)
    await _named(world, group)
    other = await joined_group(world, 3, band="36-49")

    await calls.post(world, group.leader.user_id, group.id, "Fijne week allemaal!")
    await calls.group_message(world, group.chat_id, group.leader.user_id, 41)
    await calls.group_message(world, group.chat_id, group.leader.user_id, 41)  # redelivered
    await calls.group_message(world, group.chat_id, group.members[0].user_id, 42)

    counted = await _group_events(world, GroupEventKind.COUNSELLOR_POST)
    assert sorted((e.group_id, e.via) for e in counted) == [(group.id, "chat"), (group.id, "post")]
    assert other.id not in {e.group_id for e in counted}
    [posted] = await outbox(world, chat_id=group.chat_id, kind="counsellor_post")
    assert posted.text == _signed("Sanne", "Fijne week allemaal!")


async def test_a_mixed_language_group_gets_its_posts_in_dutch_then_english(
    world: World,
) -> None:
    group = await joined_group(world, 3)
    english = group.members[2]
    async with world.database.transaction() as session:
        person = await session.get(Participant, english.participant_id)
        assert person is not None
        person.language = "en"
    await calls.deposit(world, group.members[0], "10")

    world.clock.advance(WEEK)
    await calls.scan(world)

    [progress] = await outbox(world, chat_id=group.chat_id, kind="group_progress")
    dutch = protocol_text("group_progress_savings", active=1, members=3)
    english_post = protocol_text("group_progress_savings", Language.EN, active=1, members=3)
    assert progress.text == f"{MARKS[Language.NL]} {dutch}\n\n{MARKS[Language.EN]} {english_post}"


async def test_a_mixed_language_group_gets_its_check_in_and_goal_in_both_languages(
    world: World,
) -> None:
    group = await joined_group(world, 3)
    async with world.database.transaction() as session:
        person = await session.get(Participant, group.members[2].participant_id)
        assert person is not None
        person.language = "en"
    prompt = await weeks.asked(world, group)
    plans = weeks.buttons(prompt)
    ten = {language: text(language, "checkin.save", amount=format_amount(1000, language))
           for language in Language}  # fmt: skip
    await calls.checkin_tap(
        world, group.chat_id, group.members[0].user_id, plans[f"{ten[NL]} / {ten[EN]}"]
    )
    await calls.scan(world)

    asked = {
        language: "\n\n".join(
            text(language, f"checkin.{key}") for key in ("plan_prompt", "no_plans_yet")
        )
        for language in (NL, EN)
    }
    assert prompt.text == f"{MARKS[NL]} {asked[NL]}\n\n{MARKS[EN]} {asked[EN]}"
    [goal] = await outbox(world, chat_id=group.chat_id, kind="group_goal")
    amounts = {language: format_amount(1000, language) for language in (NL, EN)}
    dutch = text(NL, "checkin.goal_savings", target=amounts[NL], progress=format_amount(0, NL))
    english = text(EN, "checkin.goal_savings", target=amounts[EN], progress=format_amount(0, EN))
    assert goal.text == f"{MARKS[NL]} {dutch}\n\n{MARKS[EN]} {english}"


async def test_the_digest_names_a_quiet_member_by_the_name_they_confirmed_for_the_group(
    world: World,
) -> None:
    world = offering(world, Component.PROGRESS_SHARING, Component.BUDDY)
    group = await joined_group(world, 4)
    sharer, buddy, _third, writer = group.members
    await _named(world, group)
    await shares(world, sharer)  # a name the group sees
    await wants_buddy(world, buddy)  # a name only the buddy sees: not the counsellor's
    await calls.scan(world)
    await calls.group_message(world, group.chat_id, writer.user_id, 5)

    world.clock.advance(WEEK)
    await calls.scan(world)

    [digest] = await outbox(world, chat_id=group.leader.user_id, kind="counsellor_digest")
    tags = {p.participant_id: p.tag for p in await rows(world, GroupMember)}
    quiet = sorted(
        (m for m in group.members if m is not writer), key=lambda m: tags[m.participant_id]
    )
    shown = [
        f"{name_of(m)} ({tags[m.participant_id]})" if m is sharer else tags[m.participant_id]
        for m in quiet
    ]
    assert said(digest.text, "counsellor.digest.quiet", within=True, count=3, tags=", ".join(shown))
    assert name_of(buddy) not in digest.text
