"""The counsellor's weekly digest of each of their groups, with one suggested post to send by a
tap (issue 26.6).

At the end of each group week (`Protocol.group_week`) the counsellor of every active group gets
one private message about the week that ended: who takes part, how many did something (by the
one ledger rule), how many messages members wrote, the quiet members by their pseudonymous
tag (with the name a member confirmed for the group when they share their progress there: the
counsellor sees that name in the group anyway, SPEC §11.4; a name given only to a buddy stays
the buddy's), open questions, and what the counsellor did themselves. Under it, one post the
bot would suggest for the group, in its members' languages: the button sends it under the
counsellor's name; to change it, they copy it and send their own with /post.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import GroupMember, GroupStatus, MemberStatus, PeerGroup
from bot.db.study import Event, StaffMember
from bot.db.tickets import Ticket, TicketStatus
from bot.db.together import GroupEvent, MemberChoices
from bot.i18n import Language, plural, text
from bot.outbox import Button, OutboxKind
from bot.services import button_data
from bot.services.button_data import SendSuggestion
from bot.services.peer_groups import outcomes
from bot.services.peer_groups.bilingual import group_languages, in_languages
from bot.services.peer_groups.lookups import Recipient, touch_staff
from bot.services.peer_groups.messaging import post, tell
from bot.services.peer_groups.posts import week_done
from bot.services.peer_groups.presence import counsellor_posted, signed, staff_name
from bot.services.peer_groups.together.records import group_event
from bot.services.trial import Trial
from bot.services.turns import Turn, language_for_staff
from experiments.protocol import Track
from experiments.records import EventKind, GroupEventKind, Window

TICK = timedelta(microseconds=1)
WEEK = timedelta(days=7)
CLOSING_WEEK = WEEK
HANDLES_SHOWN = 6  # quiet members listed (by name and tag, or tag); more are counted


@dataclass(frozen=True)
class Week:
    """What one group did in one week, as the digest tells it."""

    joined: int
    staying: int
    doing: int
    messages: int
    quiet: tuple[str, ...]  # joined members who wrote nothing in the group: "Name (tag)" or tag
    open_questions: int
    posts: int
    answers: int


def week_stamp(week: Window) -> int:
    """The week a digest was about, as a number for its button (its last day, 20261213)."""
    assert week.end is not None
    return int((week.end - TICK).strftime("%Y%m%d"))


async def scan_digests(session: AsyncSession, trial: Trial, now: datetime) -> int:
    """Send each due digest (one per group and week); how many went out."""
    protocol = trial.protocol
    due = await session.scalars(
        select(PeerGroup).where(
            PeerGroup.status == GroupStatus.ACTIVE,
            PeerGroup.counsellor_id.is_not(None),
            or_(PeerGroup.next_digest_at.is_(None), PeerGroup.next_digest_at <= now),
        )
    )
    current = protocol.group_week(now)
    sent = 0
    for group in due.all():
        first = group.next_digest_at is None
        ended = protocol.group_week((group.next_digest_at or now) - TICK)
        group.next_digest_at = current.end
        if first or ended.end is None or now - ended.end > protocol.schedule.stale_after:
            continue  # the first week is not over yet, or the bot was down: the next one
        sent += int(await send_digest(session, group, ended, trial, now))
    return sent


async def send_digest(
    session: AsyncSession, group: PeerGroup, week: Window, trial: Trial, now: datetime
) -> bool:
    """The digest of `week` to the group's counsellor; False when there is none."""
    staff = await session.get(StaffMember, group.counsellor_id) if group.counsellor_id else None
    if staff is None or not staff.active:
        return False
    language = await language_for_staff(session, staff.telegram_user_id)
    facts = await week_facts(session, group, week)
    choice = suggestion_for(group, facts, trial, now)
    languages = await group_languages(session, group)
    suggested = in_languages(languages, lambda lang: text(lang, f"presence.suggest.{choice}"))
    words = digest_text(group, facts, trial, week, language) + "\n\n"
    words += text(language, "counsellor.digest.suggestion", post=suggested, group=group.id)
    stamp = week_stamp(week)
    await tell(
        session,
        Recipient(staff.telegram_user_id, language),
        "groups.plain",
        kind=OutboxKind.COUNSELLOR_DIGEST,
        intent=f"digest:{group.id}:{stamp}",
        now=now,
        buttons=[[suggestion_button(language, group, stamp, choice)]],
        words=words,
    )
    kind, quiet = GroupEventKind.DIGEST_SENT, len(facts.quiet)
    dedupe = f"digest:{group.id}:{stamp}"
    return await group_event(session, group.id, kind, now, quantity=quiet, dedupe=dedupe)


async def week_facts(session: AsyncSession, group: PeerGroup, week: Window) -> Week:
    """The counts a digest shows for one group and week (counts, tags and names confirmed for
    the group; never texts)."""
    assert week.start is not None
    assert week.end is not None
    members = (
        await session.execute(
            select(GroupMember.participant_id, GroupMember.tag, GroupMember.status).where(
                GroupMember.group_id == group.id
            )
        )
    ).all()
    joined = {pid: tag for pid, tag, status in members if status is MemberStatus.JOINED}
    staying = [pid for pid, _t, s in members if s in (MemberStatus.ASSIGNED, MemberStatus.JOINED)]
    wrote = dict(
        (
            await session.execute(
                select(Event.participant_id, func.count())
                .where(
                    Event.participant_id.in_(list(joined)),
                    Event.kind == EventKind.GROUP_MESSAGE,
                    Event.occurred_at >= week.start,
                    Event.occurred_at < week.end,
                )
                .group_by(Event.participant_id)
            )
        ).all()
    )
    done = await week_done(session, group, week)
    doing = sum(1 for d in done if (d.saved if group.track == Track.SAVINGS else d.took_step))
    open_questions = await session.scalar(
        select(func.count()).where(
            Ticket.participant_id.in_(staying), Ticket.status == TicketStatus.OPEN
        )
    )
    mine = dict(
        (
            await session.execute(
                select(GroupEvent.kind, func.count())
                .where(
                    GroupEvent.group_id == group.id,
                    GroupEvent.occurred_at >= week.start,
                    GroupEvent.occurred_at < week.end,
                )
                .group_by(GroupEvent.kind)
            )
        ).all()
    )
    return Week(
        joined=len(joined),
        staying=len(staying),
        doing=doing,
        messages=sum(int(count) for count in wrote.values()),
        quiet=await _quiet_members(session, joined, wrote),
        open_questions=int(open_questions or 0),
        posts=int(mine.get(GroupEventKind.COUNSELLOR_POST, 0)),
        answers=int(mine.get(GroupEventKind.COUNSELLOR_ANSWER, 0)),
    )


async def _quiet_members(
    session: AsyncSession, joined: dict[int, str], wrote: dict[int, int]
) -> tuple[str, ...]:
    """The joined members who wrote nothing, by tag; "Name (tag)" for one who shares their
    progress in the group under a name they confirmed (the name the group sees)."""
    quiet = {pid: tag for pid, tag in joined.items() if pid not in wrote}
    named = dict(
        (
            await session.execute(
                select(MemberChoices.participant_id, MemberChoices.shown_name).where(
                    MemberChoices.participant_id.in_(list(quiet)),
                    MemberChoices.sharing_since.is_not(None),
                    MemberChoices.shown_name.is_not(None),
                )
            )
        ).all()
    )
    return tuple(
        f"{named[pid]} ({tag})" if named.get(pid) else tag
        for pid, tag in sorted(quiet.items(), key=lambda item: item[1])
    )


def suggestion_for(group: PeerGroup, facts: Week, trial: Trial, now: datetime) -> str:
    """The one post a digest suggests: thanks in the closing week, a word to the quiet when
    most were quiet, a cheer when most did something, otherwise a question to the group."""
    length = trial.protocol.groups.cycle_length
    if length is not None and now >= group.formed_at + length - CLOSING_WEEK:
        return "thanks"
    if facts.joined and len(facts.quiet) * 2 > facts.joined:
        return "quiet"
    if facts.doing and facts.doing * 2 >= facts.joined:
        return "celebrate"
    return "question"


def digest_text(
    group: PeerGroup, facts: Week, trial: Trial, week: Window, language: Language
) -> str:
    """The digest's counts, in the counsellor's language."""
    assert week.end is not None
    number = max(1, math.ceil((week.end - group.formed_at) / WEEK))
    length = trial.protocol.groups.cycle_length
    head = (
        text(language, "counsellor.digest.head_cycle", length=length.days // 7, week=number)
        if length is not None
        else text(language, "counsellor.digest.head", week=number)
    )
    quiet = _quiet(facts.quiet, language)
    lines = [
        text(
            language,
            "counsellor.digest.title",
            group=group.id,
            track=text(language, f"track.{group.track}"),
            band=group.age_band,
            head=head,
        ),
        text(language, "counsellor.digest.members", joined=facts.joined, members=facts.staying),
        text(
            language,
            f"counsellor.week_{group.track}",
            doing=facts.doing,
            joined=facts.joined,
        ),
        plural(language, "counsellor.digest.messages", facts.messages),
        quiet,
        plural(language, "counsellor.digest.questions", facts.open_questions),
        text(
            language,
            "counsellor.digest.you",
            posts=plural(language, "counsellor.digest.posts", facts.posts),
            answers=plural(language, "counsellor.digest.answers", facts.answers),
        ),
    ]
    return "\n".join(lines)


def _quiet(tags: Sequence[str], language: Language) -> str:
    if not tags:
        return text(language, "counsellor.digest.nobody_quiet")
    shown = ", ".join(tags[:HANDLES_SHOWN]) + (" …" if len(tags) > HANDLES_SHOWN else "")
    return plural(language, "counsellor.digest.quiet", len(tags), tags=shown)


async def send_suggestion(turn: Turn, trial: Trial, data: str | None) -> None:
    """The button under a digest (or the closing week's note): the suggested post goes to the
    group under the counsellor's name, once; they hear "posted" when Telegram took it."""
    press = button_data.decode(data)
    if not isinstance(press, SendSuggestion):
        await turn.say_text("button.unknown")
        return
    session, now = turn.session, turn.now
    group = await session.get(PeerGroup, press.group_id)
    if group is None or not await turn.role_in(group):
        await turn.say_text("counsellor.no_such_group", group=press.group_id)
        return
    if group.status is not GroupStatus.ACTIVE:
        await turn.say_text("counsellor.digest.group_closed", group=group.id)
        return
    languages = await group_languages(session, group)
    words = in_languages(languages, lambda lang: text(lang, f"presence.suggest.{press.suggestion}"))
    name = await staff_name(session, turn.user_id)
    # one thank-you per group, whether tapped under a digest or under the closing week's note
    once = "last" if press.suggestion == "thanks" else press.week
    intent = f"suggested:{group.id}:{once}:{press.suggestion}"
    who = outcomes.asker(turn.user_id, turn.language, group.id, "post", intent)
    added = await post(
        session,
        group,
        signed(name, words, languages),
        kind=outcomes.POST_KIND,
        intent=intent,
        now=now,
        context={"tell": who},
    )
    await touch_staff(session, turn.user_id, now)
    if not added:
        await turn.say_text("counsellor.digest.already_sent", group=group.id)
        return
    await counsellor_posted(session, group.id, "suggestion", now, intent)
    await turn.close_question(turn.t("counsellor.digest.sent_choice"))


def suggestion_button(language: Language, group: PeerGroup, stamp: int, choice: str) -> Button:
    """The button that sends suggestion `choice` to `group` (once per `stamp`)."""
    label = text(language, "counsellor.digest.send", group=group.id)
    return button_data.button(label, SendSuggestion(group.id, stamp, choice))
