"""A group's check-in week as the check-in and the group goal share it: the members' latest
plans and answers (from their events), the counts on the `group_weeks` row, and the group
messages that show them, posted once and then edited.

Counts only, never names: the plan message says "8 van de 12 hebben een plan", the review
message how many answered and how many made it, and nothing anywhere says who did not.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.delivery import ChatType
from bot.db.group_weeks import GroupWeek
from bot.db.groups import GroupMember, MemberStatus, PeerGroup
from bot.db.study import Event
from bot.i18n import Language, plural, text
from bot.i18n.money import format_amount
from bot.outbox import Button, OutboxKind, OutgoingMessage, enqueue
from bot.outbox.messages import CONTEXT_KEY
from bot.outbox.outcomes import Delivered, Outcome
from bot.outbox.store import ClaimedMessage
from bot.outbox.superseded import supersede_pending
from bot.services import button_data
from bot.services.peer_groups.bilingual import in_languages
from bot.services.peer_groups.lookups import language_of
from bot.services.peer_groups.outcomes import forget_context
from bot.services.trial import Trial
from experiments.protocol import Component, PlanChoice, PlanKind, ReviewResult
from experiments.records import CHECKIN_KINDS, EventKind, Window

__all__ = [
    "Answers",
    "choice_label",
    "group_post",
    "joined_members",
    "may_have",
    "plan_message",
    "record_message_id",
    "recount",
    "review_message",
    "show",
    "week_answers",
    "week_of",
]

Buttons = Sequence[Sequence[Button]]


@dataclass
class Answers:
    """Each member's latest plan and latest answer in one group week (the last one counts)."""

    plans: dict[int, PlanChoice] = field(default_factory=dict)
    reviews: dict[int, ReviewResult] = field(default_factory=dict)


def week_of(row: GroupWeek) -> Window:
    """The group week a row is about."""
    return Window(row.week_start, row.week_end)


def may_have(trial: Trial, group: PeerGroup, component: Component) -> bool:
    """Whether a group could get `component` at all (its arm, or a draw that includes it):
    groups that cannot are passed over without reading their draw."""
    factorial = trial.protocol.group_factorial
    drawn = factorial is not None and component in factorial.factors
    return drawn or trial.protocol.arm(group.arm).has(component)


async def joined_members(session: AsyncSession, group: PeerGroup) -> list[int]:
    """The participant ids of the group's joined members."""
    found = await session.scalars(
        select(GroupMember.participant_id).where(
            GroupMember.group_id == group.id, GroupMember.status == MemberStatus.JOINED
        )
    )
    return list(found)


async def week_answers(
    session: AsyncSession, row: GroupWeek, participant_ids: Collection[int]
) -> Answers:
    """The latest plan and answer of each of `participant_ids` in the row's week."""
    answers = Answers()
    if not participant_ids:
        return answers
    found = await session.execute(
        select(Event.participant_id, Event.kind, Event.amount_cents, Event.quantity, Event.detail)
        .where(
            Event.participant_id.in_(list(participant_ids)),
            Event.kind.in_(CHECKIN_KINDS),
            Event.occurred_at >= row.week_start,
            Event.occurred_at < row.week_end,
        )
        .order_by(Event.id)
    )
    for participant_id, kind, cents, quantity, detail in found:
        if kind is EventKind.CHECKIN_PLAN:
            plan = PlanKind(detail["plan"])
            answers.plans[participant_id] = PlanChoice(plan, cents or quantity or 0)
        else:
            answers.reviews[participant_id] = ReviewResult(detail["result"])
    return answers


async def recount(session: AsyncSession, group: PeerGroup, row: GroupWeek) -> Answers:
    """Count the members' latest plans and answers onto the row; the answers counted."""
    members = await joined_members(session, group)
    answers = await week_answers(session, row, members)
    results = list(answers.reviews.values())
    row.members = len(members)
    row.plans = len(answers.plans)
    row.reviews_yes = results.count(ReviewResult.YES)
    row.reviews_partly = results.count(ReviewResult.PARTLY)
    row.reviews_no = results.count(ReviewResult.NO)
    return answers


def choice_label(language: Language, choice: PlanChoice) -> str:
    """A plan as a button and a receipt say it: "€ 10 sparen", "2 sollicitaties"."""
    if choice.kind is PlanKind.SAVE:
        return text(language, "checkin.save", amount=format_amount(choice.amount, language))
    if choice.kind is PlanKind.APPLY:
        return plural(language, "count.applications", choice.amount)
    if choice.kind is PlanKind.INTERVIEW:
        return plural(language, "count.interviews", choice.amount)
    return text(language, "checkin.other")


def plan_message(
    group: PeerGroup,
    row: GroupWeek,
    trial: Trial,
    *,
    open_: bool,
    languages: Sequence[Language] = (),
) -> tuple[str, Buttons]:
    """The plan prompt with its count, and its buttons while plans may be chosen; in each of
    `languages` (the members', issue 26.9), else the group's own."""
    spoken = tuple(languages) or (language_of(group),)

    def words(language: Language) -> str:
        if row.plans or not open_:
            count = text(language, "checkin.plans", count=row.plans, members=row.members)
        else:
            count = text(language, "checkin.no_plans_yet")
        head = text(language, "checkin.plan_prompt" if open_ else "checkin.plans_closed")
        return f"{head}\n\n{count}" if open_ else f"{head}\n{count}"

    if not open_:
        return in_languages(spoken, words), ()
    choices = trial.protocol.checkin.choices(group.track)
    labelled = [
        button_data.button(
            _label(choice_label(lang, c) for lang in spoken), button_data.Checkin(row.id, c)
        )
        for c in choices
    ]
    return in_languages(spoken, words), [labelled[i : i + 2] for i in range(0, len(labelled), 2)]


def review_message(
    group: PeerGroup, row: GroupWeek, *, open_: bool, languages: Sequence[Language] = ()
) -> tuple[str, Buttons]:
    """ "Gelukt?" with how many of the members with a plan answered and how many made it; in
    each of `languages`, else the group's own."""
    spoken = tuple(languages) or (language_of(group),)
    answered = row.reviews_yes + row.reviews_partly + row.reviews_no

    def words(language: Language) -> str:
        if answered:
            lines = [
                text(language, "checkin.answers", count=answered, planners=row.plans),
                text(
                    language, "checkin.answers_done", yes=row.reviews_yes, partly=row.reviews_partly
                ),
            ]
        else:
            lines = [text(language, "checkin.no_answers_yet")]
        head = text(language, "checkin.review_prompt" if open_ else "checkin.reviews_closed")
        return "\n".join([head, "", *lines] if open_ else [head, *lines])

    if not open_:
        return in_languages(spoken, words), ()
    row_of_buttons = [
        button_data.button(
            _label(text(lang, f"checkin.{result}") for lang in spoken),
            button_data.Checkin(row.id, result),
        )
        for result in ReviewResult
    ]
    return in_languages(spoken, words), [row_of_buttons]


def _label(labels: Iterable[str]) -> str:
    """A button's label in each language, once when they read the same ("€ 10 sparen / Save
    € 10")."""
    return " / ".join(dict.fromkeys(labels))


def _signature(words: str, buttons: Buttons) -> str:
    shown = words + "".join(f"|{b.label}={b.data}" for line in buttons for b in line)
    return hashlib.sha256(shown.encode("utf-8")).hexdigest()[:16]


async def group_post(
    session: AsyncSession,
    group: PeerGroup,
    row: GroupWeek,
    which: str,
    words: str,
    buttons: Buttons,
    *,
    kind: OutboxKind,
    now: datetime,
    not_before: datetime | None = None,
) -> bool:
    """Post one of the week's messages (`which`: plan, review or goal) in the group's chat; the
    sender's follow-up records its Telegram id on the row, so it can be edited later."""
    assert group.telegram_chat_id is not None
    message = OutgoingMessage(
        chat_id=group.telegram_chat_id,
        chat_type=ChatType.GROUP,
        text=words,
        kind=kind,
        intent_key=f"{kind}:{row.id}",
        buttons=buttons,
        not_before=not_before,
        context={"week": row.id, "which": which},
    )
    row.shown = {**row.shown, which: _signature(words, buttons)}
    return await enqueue(session, message, now)


async def show(
    session: AsyncSession,
    group: PeerGroup,
    row: GroupWeek,
    which: str,
    words: str,
    buttons: Buttons,
    *,
    kind: OutboxKind,
    now: datetime,
) -> bool:
    """Edit one of the week's messages to show `words` (and `buttons`, none: they go), unless it
    already shows them or is not in the chat yet; an older edit still waiting is withdrawn."""
    message_id: int | None = getattr(row, f"{which}_message_id")
    signature = _signature(words, buttons)
    if message_id is None or group.telegram_chat_id is None or row.shown.get(which) == signature:
        return False
    prefix = f"{kind}:{row.id}:{which}:"
    await supersede_pending(session, group.telegram_chat_id, prefix)
    edits = int(row.shown.get("edits", 0)) + 1
    message = OutgoingMessage(
        chat_id=group.telegram_chat_id,
        chat_type=ChatType.GROUP,
        text=words,
        kind=kind,
        intent_key=f"{prefix}{edits}",
        buttons=buttons,
        edit_message_id=message_id,
    )
    shown: dict[str, Any] = {**row.shown, which: signature, "edits": edits}
    row.shown = shown
    return await enqueue(session, message, now)


async def record_message_id(
    session: AsyncSession, message: ClaimedMessage, outcome: Outcome
) -> GroupWeek | None:
    """Keep a delivered week message's Telegram id on its row; the row, when it was one."""
    context = message.payload.get(CONTEXT_KEY)
    if not isinstance(context, Mapping):
        return None
    await forget_context(session, message)
    row = await session.get(GroupWeek, int(context["week"]))
    which = str(context.get("which"))
    if row is None or which not in ("plan", "review", "goal"):
        return None
    if not isinstance(outcome, Delivered) or outcome.message_id is None:
        return None
    setattr(row, f"{which}_message_id", outcome.message_id)
    return row
