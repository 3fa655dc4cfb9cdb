"""Follow-up calls, the inbox side: a chosen non-responder's task reaches a staff member.

A questionnaire wave still unfinished after the automated reminders is planned here as a call
task (`plan_call`, from the survey scan); `bot.services.participants.call_scan` draws which
non-responders are followed up. A chosen person's task is a ticket of the counsellor inbox held
by a research assistant (or their counsellor, where the protocol says so): the staff member gets
a private message with the questions to ask, never the person's arm or group, never a phone
number (SPEC §11.4). A reply to it reaches the participant through the bot; what the participant
writes back (text the bot does not otherwise understand) reaches the staff member the same way.
The answers are entered with `/call` (bot.services.staff.calls).
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.calls import CallStatus, CallTask
from bot.db.study import Participant, Role, StaffMember
from bot.db.tickets import Ticket, TicketStatus
from bot.db.upsert import insert_if_absent
from bot.i18n import Language, text
from bot.outbox import OutboxKind, OutgoingMessage, enqueue
from bot.services import button_data
from bot.services.counsellor_inbox.tickets import MAX_TICKET_CHARS
from bot.services.trial import Trial
from bot.services.turns import Turn, language_for_staff
from experiments.protocol import Item, Track

__all__ = [
    "CallQuestion",
    "call_of_ticket",
    "call_questions",
    "close_tasks",
    "open_task",
    "participant_wrote",
    "plan_call",
    "scrub_phone_numbers",
    "who",
]

MAX_TASK_CHARS = 3900  # a Telegram message holds 4,096

# nine or more digits, with spaces, dashes, dots or brackets between them (06-12345678,
# +31 6 1234 5678): a phone number in a relayed message is neither passed on nor stored
PHONE_NUMBER = re.compile(r"\+?\(?\d(?:[\s\-().]*\d){8,}")

CallQuestion = tuple[str, Item]  # (instrument id, item), in the order staff enter answers


def scrub_phone_numbers(words: str, language: Language) -> str:
    """The words with every phone number replaced by a note that it was left out."""
    return PHONE_NUMBER.sub(text(language, "calls.phone_removed"), words)


def who(participant: Participant) -> str:
    """How a call task names the person: a number only (no group tag, arm or track)."""
    return f"P{participant.id}"


async def plan_call(
    session: AsyncSession, participant: Participant, wave: int, last_at: datetime, trial: Trial
) -> None:
    """The wave's last automated message went out at `last_at`: unless answered by then, the
    person is a non-responder `[follow_up_calls] after` it (drawn then). Once per wave."""
    calls = trial.protocol.follow_up_calls
    if calls is None:
        return
    values = {
        "participant_id": participant.id,
        "wave": wave,
        "status": CallStatus.PENDING.value,
        "due_at": last_at + calls.after,
    }
    await insert_if_absent(session, CallTask, values, ["participant_id", "wave"])


async def close_tasks(session: AsyncSession, participant_id: int) -> None:
    """/stop or /delete: nobody follows this person up any more (the draws stay logged)."""
    await session.execute(
        update(CallTask)
        .where(
            CallTask.participant_id == participant_id,
            CallTask.status.in_((CallStatus.PENDING, CallStatus.OPEN)),
        )
        .values(status=CallStatus.CLOSED)
    )


def call_questions(participant: Participant, trial: Trial) -> list[CallQuestion]:
    """Every item of a follow-up wave for this person, numbered as staff enter them."""
    plan = trial.protocol.questionnaires
    track = participant.track or Track.JOBSEARCH
    found = []
    for instrument_id in plan.instruments_for("follow_up", track):
        items = plan.instrument(instrument_id).item_by_id
        for item_id in plan.items_for(instrument_id, participant.age_band):
            found.append((instrument_id, items[item_id]))
    return found


def _question_lines(participant: Participant, trial: Trial, language: Language) -> str:
    plan = trial.protocol.questionnaires
    lines, shown = [], None
    for number, (instrument_id, item) in enumerate(call_questions(participant, trial), 1):
        instrument = plan.instrument(instrument_id)
        if instrument_id != shown:
            lines.append(f"\n{instrument.instructions.text(language)}")
            shown = instrument_id
        options = instrument.options(item)
        if options:
            answers = "; ".join(f"{o.value} = {o.label(language)}" for o in options)
        else:
            answers = text(language, "calls.number_range", low=item.min, high=item.max)
        if item.type == "multiple":
            answers = text(language, "calls.multiple", options=answers)
        lines.append(f"{number}. {item.text(language)} ({answers})")
    return "\n".join(lines).strip()


async def _staff_for(
    session: AsyncSession, participant: Participant, trial: Trial
) -> StaffMember | None:
    """Who follows this person up: their counsellor where the protocol says so and they have
    one; else the active research assistant (or counsellor) with the fewest open tasks."""
    calls = trial.protocol.follow_up_calls
    role = Role.COUNSELLOR if calls is not None and calls.who == "counsellor" else Role.ASSISTANT
    if role is Role.COUNSELLOR and participant.counsellor_id is not None:
        own = await session.get(StaffMember, participant.counsellor_id)
        if own is not None and own.active and own.role is Role.COUNSELLOR:
            return own
    load = (
        select(CallTask.staff_id, func.count().label("n"))
        .where(CallTask.status == CallStatus.OPEN)
        .group_by(CallTask.staff_id)
        .subquery()
    )
    return await session.scalar(
        select(StaffMember)
        .outerjoin(load, load.c.staff_id == StaffMember.id)
        .where(StaffMember.role == role, StaffMember.active)
        .order_by(func.coalesce(load.c.n, 0), StaffMember.id)
        .limit(1)
    )


async def open_task(
    session: AsyncSession, task: CallTask, participant: Participant, trial: Trial, now: datetime
) -> None:
    """A chosen non-responder: a ticket held by the staff member who follows them up (the
    admins hear of it while nobody holds that role), with the questions to ask."""
    staff = await _staff_for(session, participant, trial)
    ticket = Ticket(
        participant_id=participant.id,
        counsellor_id=staff.id if staff is not None else None,
        status=TicketStatus.OPEN,
        created_at=now,
        opened_at=now,
        answers=0,
    )
    session.add(ticket)
    await session.flush()
    task.status, task.ticket_id = CallStatus.OPEN, ticket.id
    task.staff_id = staff.id if staff is not None else None
    chats = [staff.telegram_user_id] if staff is not None else await trial.staff.admins(session)
    for chat_id in chats:
        language = await language_for_staff(session, chat_id)
        questions = _question_lines(participant, trial, language)
        count = len(call_questions(participant, trial))
        words = text(
            language,
            "calls.task",
            task=task.id,
            who=who(participant),
            wave=task.wave,
            questions=questions,
            example=" ".join(["1"] * min(count, 3) + (["…"] if count > 3 else [])),
        )[:MAX_TASK_CHARS]
        close = button_data.button(
            text(language, "inbox.close_button"), button_data.CloseTicket(ticket.id)
        )
        message = OutgoingMessage(
            chat_id=chat_id,
            text=words,
            kind=OutboxKind.TICKET,
            intent_key=f"{OutboxKind.TICKET}:{ticket.id}:{chat_id}",
            buttons=[[close]],
        )
        await enqueue(session, message, now)


async def call_of_ticket(session: AsyncSession, ticket_id: int) -> CallTask | None:
    """The call task a ticket belongs to (None: a participant's own question)."""
    return await session.scalar(select(CallTask).where(CallTask.ticket_id == ticket_id))


async def participant_wrote(turn: Turn, words: str, trial: Trial) -> bool:
    """Text from a participant with an open call task goes to the staff member following them
    up (who answers by replying to it); False when no call task is open."""
    participant = turn.participant
    if participant is None:
        return False
    task = await turn.session.scalar(
        select(CallTask)
        .where(CallTask.participant_id == participant.id, CallTask.status == CallStatus.OPEN)
        .order_by(CallTask.id.desc())
        .limit(1)
    )
    ticket = await turn.session.get(Ticket, task.ticket_id) if task is not None else None
    if task is None or ticket is None or ticket.status is TicketStatus.CLOSED:
        return False
    limit = trial.protocol.inbox.max_question_chars
    if len(words) > limit:
        await turn.say_text("inbox.too_long", limit=limit)
        return True
    scrubbed = scrub_phone_numbers(words, Language.NL)  # as kept; each reader gets their own
    number_left_out, written = scrubbed != words, words
    asked = ticket.text or ""
    ticket.text = f"{asked}\n\n{scrubbed}"[-MAX_TICKET_CHARS:] if asked else scrubbed
    ticket.status, ticket.opened_at = TicketStatus.OPEN, turn.now
    staff = await turn.session.get(StaffMember, task.staff_id) if task.staff_id else None
    chats = [staff.telegram_user_id] if staff is not None else await turn.staff.admins(turn.session)
    kind = OutboxKind.TICKET_ADDED
    for chat_id in chats:
        language = await language_for_staff(turn.session, chat_id)
        message = OutgoingMessage(
            chat_id=chat_id,
            text=text(language, "calls.participant_wrote", task=task.id, who=who(participant))
            + f"\n\n{scrub_phone_numbers(written, language)}",
            kind=kind,
            intent_key=f"{kind}:{ticket.id}:{chat_id}:call:{turn.incoming.update_id}",
        )
        await enqueue(turn.session, message, turn.now)
    # someone who asks to be called learns why no call comes (SPEC §11.4)
    await turn.say_text("calls.passed_on_without_number" if number_left_out else "calls.passed_on")
    return True
