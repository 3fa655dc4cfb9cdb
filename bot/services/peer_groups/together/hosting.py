"""`host_rotation`: members who volunteer take turns hosting their group's week.

At a week's first scan a group with the component gets its host: of the volunteers in its chat
(not paused), the one who hosted fewest weeks, then who volunteered first; so nobody hosts twice
before everyone willing has. The host gets the week's curriculum topic privately (it moves from
the bot's own post to them: `carries_topic`), to post in their own words, or with one tap the
bot posts it naming them (the name confirmed by a tap, as for sharing). If within a day they
neither tapped nor wrote anything in the group, the bot posts the topic, saying plainly that it
posts this week's topic (naming nobody: SPEC §11).

The host may have one message pinned that week: they answer it in the group with /pin and the
bot pins it (logged like a counsellor's pin). That is the only right hosting gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import GroupMember, MemberStatus, PeerGroup
from bot.db.study import Event, Participant, ParticipantStatus, Role
from bot.db.together import HostWeek, MemberChoices
from bot.i18n import Language, text
from bot.outbox import OutboxKind
from bot.services import button_data
from bot.services.button_data import Together
from bot.services.peer_groups import moderation
from bot.services.peer_groups.bilingual import group_languages, in_languages
from bot.services.peer_groups.ingredients import active_groups_with, group_has
from bot.services.peer_groups.lookups import group_text
from bot.services.peer_groups.messaging import post
from bot.services.peer_groups.moderation import GroupCommand
from bot.services.peer_groups.moderation_log import Actor, log_action
from bot.services.peer_groups.sanctions import Sanction, apply, chat_of
from bot.services.peer_groups.together import naming, private
from bot.services.peer_groups.together.places import Place, release_name
from bot.services.peer_groups.together.private import Note
from bot.services.peer_groups.together.records import group_event, person_event
from bot.services.trial import Trial
from bot.services.turns import PlaceRole, Turn
from experiments.protocol import Component, CurriculumWeek
from experiments.records import EventKind, GroupEventKind

GRACE: Final = timedelta(days=1)  # how long the host has the topic before the bot posts it
GROUP_STAFF: Final = (PlaceRole.GROUP_COUNSELLOR, Role.ADMIN)
_GROUP_EVENT: Final = {
    "tap": GroupEventKind.HOST_TOPIC_BY_TAP,
    "own_words": GroupEventKind.HOST_TOPIC_OWN_WORDS,
    "bot": GroupEventKind.HOST_TOPIC_BY_BOT,
}


async def switch_on(turn: Turn, place: Place) -> None:
    """ "I'd like to host a week": in the rotation from the next week on."""
    choices = place.choices
    if choices.host_since is None:
        choices.host_since = turn.now
        await person_event(
            turn.session, place.participant.id, EventKind.HOST_ON, turn.now,
            group_id=place.group.id,
        )  # fmt: skip
    await turn.say_text("together.host.on")


async def switch_off(turn: Turn, place: Place) -> None:
    """Out of the rotation (a week they host already stays theirs)."""
    choices = place.choices
    if choices.host_since is not None:
        choices.host_since = None
        await person_event(
            turn.session, place.participant.id, EventKind.HOST_OFF, turn.now,
            group_id=place.group.id,
        )  # fmt: skip
    await turn.say_text("together.host.off")


async def scan_host_weeks(session: AsyncSession, trial: Trial, now: datetime) -> int:
    """Give each due group its host for this week, and post topics hosts left; hosts named."""
    current = trial.protocol.group_week(now)
    assert current.start is not None
    named = 0
    for group in await active_groups_with(session, trial, Component.HOST_ROTATION):
        held = await session.scalar(
            select(HostWeek.id).where(
                HostWeek.group_id == group.id, HostWeek.week_start == current.start
            )
        )
        if held is None:
            named += await _begin_week(session, trial, group, current.start, now)
    await _post_left_topics(session, trial, now, current.start)
    return named


async def _begin_week(
    session: AsyncSession, trial: Trial, group: PeerGroup, start: datetime, now: datetime
) -> int:
    host = await _next_host(session, group.id)
    week = HostWeek(group_id=group.id, week_start=start)
    session.add(week)
    dedupe = f"host_week:{group.id}:{start.isoformat()}"
    await group_event(
        session, group.id, GroupEventKind.HOST_WEEK, now,
        week_start=start, quantity=int(host is not None), dedupe=dedupe,
    )  # fmt: skip
    if host is None:
        await session.flush()
        return 0
    choices, participant = host
    choices.hosted += 1
    week.participant_id = participant.id
    topic = await _take_topic(session, trial, group)
    week.topic_week = topic.week if topic is not None else None
    week.handed_at = trial.protocol.next_allowed_time(now)
    await session.flush()
    await person_event(
        session, participant.id, EventKind.HOST_WEEK, now,
        group_id=group.id, dedupe=dedupe, topic=week.topic_week or 0,
    )  # fmt: skip
    language = Language(participant.language)
    if topic is None:
        note = Note(participant, "together.host.week_free")
        buttons = []
    else:
        prompt = _prompt(trial, language, topic)
        note = Note(participant, "together.host.week_topic", {"topic": prompt})
        label = text(language, "together.host.post_button")
        buttons = [[button_data.button(label, Together("host_post", (week.id,)))]]
    await private.send(
        session, note, kind=OutboxKind.HOST_TOPIC, intent=f"host_topic:{week.id}",
        now=now, not_before=week.handed_at, buttons=buttons,
    )  # fmt: skip
    return 1


async def _next_host(
    session: AsyncSession, group_id: int
) -> tuple[MemberChoices, Participant] | None:
    """Whose turn it is: fewest weeks hosted, then who volunteered first."""
    found = await session.execute(
        select(MemberChoices, Participant)
        .join(Participant, Participant.id == MemberChoices.participant_id)
        .join(GroupMember, GroupMember.participant_id == MemberChoices.participant_id)
        .where(
            MemberChoices.group_id == group_id,
            MemberChoices.host_since.is_not(None),
            GroupMember.status == MemberStatus.JOINED,
            Participant.status == ParticipantStatus.ACTIVE,
            Participant.telegram_user_id.is_not(None),
        )
        .order_by(MemberChoices.hosted, MemberChoices.host_since, MemberChoices.participant_id)
        .limit(1)
    )
    row = found.first()
    return (row[0], row[1]) if row is not None else None


async def _take_topic(
    session: AsyncSession, trial: Trial, group: PeerGroup
) -> CurriculumWeek | None:
    """The group's next curriculum topic, now the host's to post (None without one)."""
    if not await group_has(session, trial, group, Component.CURRICULUM):
        return None
    weeks = trial.protocol.curriculum_for(group.track, group.age_band)
    if group.curriculum_week > len(weeks):
        return None
    topic = weeks[group.curriculum_week - 1]
    group.curriculum_week += 1
    return topic


def _bot_posts(trial: Trial, languages: Sequence[Language], topic: CurriculumWeek) -> str:
    """The topic of a host week the bot posts itself, in each of the group's languages (issue
    26.9): it says so, and names nobody."""
    return in_languages(
        languages,
        lambda language: text(
            language, "together.host.bot_posts", prompt=_prompt(trial, language, topic)
        ),
    )


def _prompt(trial: Trial, language: Language, topic: CurriculumWeek) -> str:
    values = {"week": str(topic.week), "topic": topic.topic(language)}
    return trial.protocol.templates.render("curriculum_prompt", language, values)


async def carries_topic(
    session: AsyncSession, trial: Trial, group: PeerGroup, now: datetime
) -> bool:
    """Whether this week's topic went to the group's host (the bot then posts none itself)."""
    start = trial.protocol.group_week(now).start
    found = await session.scalar(
        select(HostWeek.id).where(
            HostWeek.group_id == group.id,
            HostWeek.week_start == start,
            HostWeek.topic_week.is_not(None),
        )
    )
    return found is not None


async def _post_left_topics(
    session: AsyncSession, trial: Trial, now: datetime, current: datetime
) -> None:
    """Topics their host has had for a day without a tap: written in the group by the host
    since (taken as their own words), else posted by the bot as usual."""
    left = await session.scalars(
        select(HostWeek).where(
            HostWeek.posted_at.is_(None),
            HostWeek.topic_week.is_not(None),
            HostWeek.handed_at <= now - GRACE,
        )
    )
    for week in left:
        group = await session.get(PeerGroup, week.group_id)
        if group is None or week.week_start != current:
            week.posted_at, week.posted_how = now, "missed"  # the week went by meanwhile
            continue
        wrote = await session.scalar(
            select(Event.id)
            .where(
                Event.participant_id == week.participant_id,
                Event.kind == EventKind.GROUP_MESSAGE,
                Event.occurred_at >= week.handed_at,
            )
            .limit(1)
        )
        how = "own_words" if wrote is not None else "bot"
        if how == "bot":
            topic = _topic_numbered(trial, group, week.topic_week or 0)
            if topic is not None:
                words = _bot_posts(trial, await group_languages(session, group), topic)
                intent = f"curriculum:{group.id}:{topic.week}"
                await post(
                    session, group, words, kind=OutboxKind.CURRICULUM, intent=intent, now=now
                )
        await _posted(session, week, how, now)


def _topic_numbered(trial: Trial, group: PeerGroup, number: int) -> CurriculumWeek | None:
    weeks = trial.protocol.curriculum_for(group.track, group.age_band)
    return next((week for week in weeks if week.week == number), None)


async def _posted(session: AsyncSession, week: HostWeek, how: str, now: datetime) -> None:
    week.posted_at, week.posted_how = now, how
    await group_event(
        session, week.group_id, _GROUP_EVENT[how], now,
        week_start=week.week_start, quantity=1, dedupe=f"host_topic:{week.id}",
    )  # fmt: skip


async def post_for_host(turn: Turn, trial: Trial, place: Place, week_id: int) -> None:
    """ "Post it for me": the week's topic in the group, naming its host (a name confirmed
    by a tap first, if they have none yet)."""
    week = await _their_week(turn, trial, place, week_id)
    if week is None:
        return
    if place.choices.shown_name is None:
        await naming.ask_name(turn, place, "host")
        return
    await post_named(turn, trial, place, week)


async def post_named(turn: Turn, trial: Trial, place: Place, week: HostWeek) -> None:
    """Post the topic naming the host by their confirmed name (kept only if sharing or a buddy
    shows it too)."""
    topic = _topic_numbered(trial, place.group, week.topic_week or 0)
    name = place.choices.shown_name or ""
    release_name(place.choices)
    if topic is None:
        await turn.say_text("together.host.not_now")
        return
    languages = await group_languages(turn.session, place.group)

    def named(language: Language) -> str:
        prompt = _prompt(trial, language, topic)
        return text(language, "together.host.topic_post", name=name, prompt=prompt)

    words = in_languages(languages, named)
    intent = f"host_post:{week.id}"
    await post(
        turn.session, place.group, words, kind=OutboxKind.HOST_POST, intent=intent, now=turn.now
    )
    await _posted(turn.session, week, "tap", turn.now)
    await person_event(
        turn.session, place.participant.id, EventKind.HOST_TOPIC_POSTED, turn.now,
        group_id=place.group.id, dedupe=intent,
    )  # fmt: skip
    await turn.say_text("together.host.posted")


async def this_weeks(turn: Turn, trial: Trial, place: Place) -> HostWeek | None:
    """The member's host week now, if they host it and its topic is still to be posted."""
    start = trial.protocol.group_week(turn.now).start
    return await turn.session.scalar(
        select(HostWeek).where(
            HostWeek.group_id == place.group.id,
            HostWeek.week_start == start,
            HostWeek.participant_id == place.participant.id,
            HostWeek.posted_at.is_(None),
            HostWeek.topic_week.is_not(None),
        )
    )


async def _their_week(turn: Turn, trial: Trial, place: Place, week_id: int) -> HostWeek | None:
    week = await turn.session.get(HostWeek, week_id)
    current = trial.protocol.group_week(turn.now).start
    if week is None or week.participant_id != place.participant.id or week.week_start != current:
        await turn.say_text("together.host.not_now")
        return None
    if week.posted_at is not None:
        await turn.say_text("together.host.post_done")
        return None
    return week


async def pin(turn: Turn, trial: Trial, command: GroupCommand) -> None:
    """/pin in a group: a counsellor's or admin's moderation, or this week's host's one pin."""
    if await turn.holds(GROUP_STAFF):
        await moderation.moderate(turn, trial, "pin", command)
        return
    group, participant = await turn.group(), turn.participant
    if group is None:
        return
    start = trial.protocol.group_week(turn.now).start
    week = await turn.session.scalar(
        select(HostWeek).where(HostWeek.group_id == group.id, HostWeek.week_start == start)
    )
    if week is None or participant is None or week.participant_id != participant.id:
        await turn.refuse()
        return
    if command.target_message_id is None:
        words = group_text(group, "moderation.reply_needed", command="pin")
        await turn.say(words, kind=OutboxKind.GROUP_REPLY)
        return
    if week.pinned_at is not None:
        await turn.say(group_text(group, "together.host.pin_used"), kind=OutboxKind.GROUP_REPLY)
        return
    week.pinned_at = turn.now
    action = await log_action(turn.session, group, Actor("host", None), "pin", None, turn.now)
    sanction = Sanction(
        "pin", chat_of(group), message_id=command.target_message_id, action_id=action
    )
    await apply(turn.session, sanction, f"host_pin:{week.id}", turn.now)
    await person_event(
        turn.session, participant.id, EventKind.HOST_PIN, turn.now,
        group_id=group.id, dedupe=f"host_pin:{week.id}",
    )  # fmt: skip
