"""What counsellors see in private chat: their groups, one group's members, and /post.

Members are listed by their pseudonymous tag; the handler may add the first name Telegram
shows for them right now (names are looked up for the reply, never stored).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import GroupMember, GroupStatus, MemberStatus, ModerationAction, PeerGroup
from bot.db.study import Event, Participant
from bot.i18n import Language, MissingText, plural, text
from bot.services.peer_groups import outcomes
from bot.services.peer_groups.bilingual import group_languages
from bot.services.peer_groups.binding import reminders_sent
from bot.services.peer_groups.lookups import GroupError, touch_staff
from bot.services.peer_groups.messaging import post
from bot.services.peer_groups.pools import overdue_pools
from bot.services.peer_groups.posts import week_done
from bot.services.peer_groups.presence import counsellor_posted, signed, staff_name
from bot.services.trial import Trial
from bot.services.turns import Turn
from experiments.protocol import Track
from experiments.records import EventKind, Window

WEEK = timedelta(days=7)
RECENT_ACTIONS = 5


@dataclass(frozen=True)
class MemberRow:
    tag: str
    telegram_user_id: int | None
    status: MemberStatus
    last_active_at: datetime | None
    silent: bool
    reminders: int = 0  # join reminders had, while not joined
    never_joined: bool = False  # not joined after every join reminder


async def visible_groups(turn: Turn) -> list[PeerGroup]:
    """The groups this counsellor leads (every group for an admin), oldest first."""
    groups = await turn.session.scalars(
        select(PeerGroup).where(PeerGroup.status != GroupStatus.CLOSED).order_by(PeerGroup.id)
    )
    return [g for g in groups if await turn.role_in(g)]


async def groups_overview(turn: Turn, trial: Trial | None = None) -> str:
    """/groups: per group members joined/assigned, messages, and who saved (or took a step)
    in the group's week so far (the week its next progress post counts)."""
    session, language, now = turn.session, turn.language, turn.now
    await touch_staff(session, turn.user_id, now)
    lines = []
    for group in await visible_groups(turn):
        track = text(language, f"track.{group.track}")
        head = f"#{group.id} · {track} · {group.age_band}"
        if group.status is GroupStatus.AWAITING_BIND:
            size = await _count(session, group, (MemberStatus.ASSIGNED,))
            lines.append(
                text(language, "counsellor.line_unbound", head=head, code=group.code, size=size)
            )
            continue
        joined = await _count(session, group, (MemberStatus.JOINED,))
        staying = await _count(session, group, (MemberStatus.ASSIGNED, MemberStatus.JOINED))
        week = _week(trial, now)
        messages = await _messages(session, group, week.start or now - WEEK)
        key = f"counsellor.line_{group.track}"
        lines.append(
            text(
                language,
                key,
                head=head,
                joined=joined,
                members=staying,
                messages=messages,
                doing=await doing_this_week(session, group, week),
            )
        )
    overview = text(language, "counsellor.groups", lines="\n".join(lines) or "–")
    return overview + await overdue_lines(session, trial, language, now)


async def overdue_lines(
    session: AsyncSession, trial: Trial | None, language: Language, now: datetime
) -> str:
    """Pools waiting past the protocol's limit, as lines under /groups ('' when none)."""
    if trial is None:
        return ""
    pools = await overdue_pools(session, trial, now)
    if not pools:
        return ""
    lines = [
        text(
            language,
            "join.overdue_line",
            track=text(language, f"track.{pool.track}"),
            band=pool.age_band,
            arm=pool.arm,
            people=plural(language, "join.people_waiting", pool.waiting),
            days=pool.days,
        )
        for pool in pools
    ]
    head = text(language, "join.overdue_head", days=trial.protocol.schedule.pool_max_wait.days)
    return "\n\n" + head + "\n" + "\n".join(lines)


async def _count(
    session: AsyncSession, group: PeerGroup, statuses: tuple[MemberStatus, ...]
) -> int:
    count = await session.scalar(
        select(func.count()).where(
            GroupMember.group_id == group.id, GroupMember.status.in_(statuses)
        )
    )
    return int(count or 0)


async def _messages(session: AsyncSession, group: PeerGroup, since: datetime) -> int:
    members = select(GroupMember.participant_id).where(GroupMember.group_id == group.id)
    count = await session.scalar(
        select(func.count()).where(
            Event.participant_id.in_(members),
            Event.kind == EventKind.GROUP_MESSAGE,
            Event.occurred_at >= since,
        )
    )
    return int(count or 0)


def _week(trial: Trial | None, now: datetime) -> Window:
    """The group's week holding `now` (the last seven days without a protocol at hand)."""
    return trial.protocol.group_week(now) if trial is not None else Window(now - WEEK)


async def doing_this_week(session: AsyncSession, group: PeerGroup, week: Window) -> int:
    """How many joined members saved (savings) or took a job-search step in `week`."""
    done = await week_done(session, group, week)
    return sum(1 for d in done if (d.saved if group.track == Track.SAVINGS else d.took_step))


async def week_line(
    session: AsyncSession, group: PeerGroup, language: Language, trial: Trial, now: datetime
) -> str:
    """/group's line on the group's week so far: how many of the joined members did it."""
    week = trial.protocol.group_week(now)
    joined = await _count(session, group, (MemberStatus.JOINED,))
    doing = await doing_this_week(session, group, week)
    return text(language, f"counsellor.week_{group.track}", doing=doing, joined=joined)


async def group_members(
    turn: Turn, trial: Trial, group_id: int
) -> tuple[PeerGroup, list[MemberRow]]:
    """/group <id>: its members with last activity; joined members quiet too long are silent."""
    session, now = turn.session, turn.now
    group = await session.get(PeerGroup, group_id)
    if group is None or not await turn.role_in(group):
        raise GroupError("counsellor.no_such_group", group=group_id)
    await touch_staff(session, turn.user_id, now)
    quiet_since = now - trial.protocol.groups.silent_after
    rows = await session.execute(
        select(GroupMember, Participant.telegram_user_id)
        .join(Participant, Participant.id == GroupMember.participant_id)
        .where(GroupMember.group_id == group.id)
        .order_by(GroupMember.id)
    )
    delays = trial.protocol.schedule.join_reminders
    members = []
    for member, telegram_id in rows:
        waiting = member.status is MemberStatus.ASSIGNED
        reminders = reminders_sent(member, delays, now) if waiting else 0
        members.append(
            MemberRow(
                member.tag,
                telegram_id,
                member.status,
                member.last_active_at,
                member.status is MemberStatus.JOINED
                and (member.last_active_at or member.joined_at or now) <= quiet_since,
                reminders,
                waiting and bool(delays) and reminders >= len(delays),
            )
        )
    return group, members


async def render_group(
    session: AsyncSession,
    group: PeerGroup,
    members: list[MemberRow],
    names: Mapping[int, str],
    language: Language,
    trial: Trial,
) -> str:
    """The /group reply: members (silent ones flagged) and the latest moderation actions."""
    zone = trial.protocol.zone
    lines = []
    for row in members:
        name = names.get(row.telegram_user_id or 0)
        who = f"{name} ({row.tag})" if name else row.tag
        when = (
            row.last_active_at.astimezone(zone).strftime("%d-%m %H:%M")
            if row.last_active_at
            else "–"
        )
        key = "counsellor.member_silent" if row.silent else f"counsellor.member_{row.status.value}"
        if row.never_joined:
            reminders = plural(language, "join.reminders", row.reminders)
            lines.append(text(language, "join.member_never_joined", who=who, reminders=reminders))
            continue
        lines.append(text(language, key, who=who, when=when))
    actions = await session.scalars(
        select(ModerationAction)
        .where(ModerationAction.group_id == group.id)
        .order_by(ModerationAction.at.desc(), ModerationAction.id.desc())
        .limit(RECENT_ACTIONS)
    )
    tags = {
        m.id: m.tag
        for m in await session.scalars(select(GroupMember).where(GroupMember.group_id == group.id))
    }
    log = [
        text(
            language,
            "log.line",
            when=a.at.astimezone(zone).strftime("%d-%m %H:%M"),
            what=_logged(language, a.action),
            tag=tags.get(a.target_member_id or 0, ""),
            by=_logged(language, a.actor_role),
        )
        + (f" ⚠ {a.failure}" if a.failure else "")
        for a in actions
    ]
    joined = sum(1 for m in members if m.status is MemberStatus.JOINED)
    staying = sum(1 for m in members if m.status in (MemberStatus.ASSIGNED, MemberStatus.JOINED))
    never = sum(1 for m in members if m.never_joined)
    waiting = sum(1 for m in members if m.status is MemberStatus.ASSIGNED) - never
    summary = text(language, "join.not_joined", assigned=waiting, never=never)
    return summary_after_head(
        text(
            language,
            "counsellor.group",
            group=group.id,
            track=text(language, f"track.{group.track}"),
            band=group.age_band,
            joined=joined,
            members=staying,
            lines="\n".join(lines) or "–",
            log="\n".join(log) or "–",
        ),
        summary,
    )


def _logged(language: Language, word: str) -> str:
    """A moderation log's action or actor in the reader's language (as stored if unknown)."""
    try:
        return text(language, f"log.{word}")
    except MissingText:
        return word


def summary_after_head(words: str, summary: str) -> str:
    """`summary` as the second line of a /group reply (under its heading)."""
    head, _, rest = words.partition("\n")
    return f"{head}\n{summary}\n{rest}" if rest else f"{head}\n{summary}"


async def post_to_group(turn: Turn, group_id: int, words: str) -> PeerGroup:
    """/post <group> <text>: the counsellor's words in their group, through the outbox; they
    are told how it went once Telegram answered (in their language)."""
    session, now, telegram_user_id = turn.session, turn.now, turn.user_id
    update_id, language = turn.incoming.update_id, turn.language
    group = await session.get(PeerGroup, group_id)
    if group is None or not await turn.role_in(group):
        raise GroupError("counsellor.no_such_group", group=group_id)
    if group.status is not GroupStatus.ACTIVE:
        raise GroupError("counsellor.not_bound", group=group_id, code=group.code)
    await touch_staff(session, telegram_user_id, now)
    # The counsellor hears "posted" (or why not) once Telegram answered: outcomes.post_ended.
    who = outcomes.asker(telegram_user_id, language, group.id, "post", f"posted:{update_id}")
    if await turn.role_in(group) == "counsellor":  # under their name, and counted (issue 26.6)
        name = await staff_name(session, telegram_user_id)
        words = signed(name, words, await group_languages(session, group))
        await counsellor_posted(session, group.id, "post", now, f"post:{update_id}")
    await post(
        session,
        group,
        words,
        kind=outcomes.POST_KIND,
        intent=f"post:{update_id}",
        now=now,
        context={"tell": who},
    )
    return group
