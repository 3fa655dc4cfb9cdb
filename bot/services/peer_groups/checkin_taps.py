"""A tap on the check-in's buttons in a group: a member's plan for the week, or their answer to
"Gelukt?".

The tap is answered with a toast in the member's own language ("Genoteerd: 2 sollicitaties"),
an answerCallbackQuery queued in the outbox like every call; the group message is edited to
its new counts. A member may tap again: the last plan or answer counts (a new event, so what was
chosen first stays on record), and tapping the same one again records nothing. Someone who is
not a member of the group (a counsellor, a guest) gets a friendly toast and nothing is recorded.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.db.delivery import ChatType
from bot.db.group_weeks import GroupWeek
from bot.db.groups import GroupMember, MemberStatus, PeerGroup
from bot.db.study import Event
from bot.i18n import text
from bot.outbox import OutboxKind, OutgoingCall, enqueue
from bot.services import button_data
from bot.services.button_data import Checkin
from bot.services.peer_groups.bilingual import group_languages
from bot.services.peer_groups.checkin_week import (
    choice_label,
    plan_message,
    recount,
    review_message,
    show,
    week_answers,
)
from bot.services.trial import Trial
from bot.services.turns import Turn
from experiments.protocol import PlanChoice, PlanKind, ReviewResult
from experiments.records import EventKind

__all__ = ["tap"]

SOURCE = "group"  # events.source of what a member taps in their group


async def tap(turn: Turn, trial: Trial, query_id: str, data: str | None) -> None:
    """A check-in button tapped in a group chat (`query_id`: the tap, to answer it)."""
    press = button_data.decode(data)
    if not isinstance(press, Checkin):
        await _toast(turn, query_id, "checkin.unknown")
        return
    group = await turn.group()
    row = await turn.session.get(GroupWeek, press.week)
    if group is None or row is None or row.group_id != group.id:
        await _toast(turn, query_id, "checkin.unknown")
        return
    if turn.now >= row.week_end or row.closed_at is not None:
        await _toast(turn, query_id, "checkin.week_over")
        return
    member = await _member(turn, group)
    if member is None:
        await _toast(turn, query_id, "checkin.not_member")
        return
    member.last_active_at = turn.now  # a tap is taking part, as a message is
    if isinstance(press.answer, PlanChoice):
        await _plan(turn, trial, query_id, group, row, member.participant_id, press.answer)
    else:
        await _review(turn, query_id, group, row, member.participant_id, press.answer)


async def _member(turn: Turn, group: PeerGroup) -> GroupMember | None:
    """The tapper's joined membership of this group, if they have one."""
    if turn.participant is None:
        return None
    return await turn.session.scalar(
        select(GroupMember).where(
            GroupMember.group_id == group.id,
            GroupMember.participant_id == turn.participant.id,
            GroupMember.status == MemberStatus.JOINED,
        )
    )


async def _plan(
    turn: Turn,
    trial: Trial,
    query_id: str,
    group: PeerGroup,
    row: GroupWeek,
    participant_id: int,
    choice: PlanChoice,
) -> None:
    if row.review_posted_at is not None:
        await _toast(turn, query_id, "checkin.plans_over")
        return
    if not trial.protocol.checkin.offers(group.track, choice):
        await _toast(turn, query_id, "checkin.unknown")
        return
    before = await week_answers(turn.session, row, [participant_id])
    if before.plans.get(participant_id) != choice:
        save = choice.kind is PlanKind.SAVE
        turn.session.add(
            Event(
                participant_id=participant_id,
                kind=EventKind.CHECKIN_PLAN,
                occurred_at=turn.now,
                source=SOURCE,
                amount_cents=choice.amount if save else None,
                quantity=None if save or choice.kind is PlanKind.OTHER else choice.amount,
                detail={"plan": choice.kind.value},
            )
        )
        await turn.session.flush()
        row.goal_stale = True  # the group goal is the sum of the plans
    await recount(turn.session, group, row)
    words, buttons = plan_message(
        group, row, trial, open_=True, languages=await group_languages(turn.session, group)
    )
    await show(
        turn.session, group, row, "plan", words, buttons, kind=OutboxKind.CHECKIN_EDIT, now=turn.now
    )
    if choice.kind is PlanKind.OTHER:
        await _toast(turn, query_id, "checkin.noted_other")
    else:
        await _toast(turn, query_id, "checkin.noted", plan=choice_label(turn.language, choice))


async def _review(
    turn: Turn,
    query_id: str,
    group: PeerGroup,
    row: GroupWeek,
    participant_id: int,
    result: ReviewResult,
) -> None:
    if row.review_posted_at is None:
        await _toast(turn, query_id, "checkin.unknown")
        return
    before = await week_answers(turn.session, row, [participant_id])
    if participant_id not in before.plans:
        await _toast(turn, query_id, "checkin.no_plan")
        return
    if before.reviews.get(participant_id) != result:
        turn.session.add(
            Event(
                participant_id=participant_id,
                kind=EventKind.CHECKIN_REVIEW,
                occurred_at=turn.now,
                source=SOURCE,
                detail={"result": result.value},
            )
        )
        await turn.session.flush()
    await recount(turn.session, group, row)
    words, buttons = review_message(
        group, row, open_=True, languages=await group_languages(turn.session, group)
    )
    await show(
        turn.session,
        group,
        row,
        "review",
        words,
        buttons,
        kind=OutboxKind.CHECKIN_EDIT,
        now=turn.now,
    )
    await _toast(turn, query_id, f"checkin.reviewed_{result}")


async def _toast(turn: Turn, query_id: str, key: str, **params: object) -> None:
    """Answer the tap with a short line in the tapper's own language (Telegram shows it briefly
    over the chat), through the outbox like every call."""
    call = OutgoingCall(
        chat_id=turn.chat_id,
        method="answerCallbackQuery",
        params={"callback_query_id": query_id, "text": text(turn.language, key, **params)},
        kind=OutboxKind.CHECKIN_TOAST,
        intent_key=f"{OutboxKind.CHECKIN_TOAST}:{turn.incoming.update_id}:1",
        chat_type=ChatType.GROUP if turn.incoming.in_group else ChatType.PRIVATE,
    )
    await enqueue(turn.session, call, turn.now)
