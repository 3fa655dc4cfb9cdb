"""The counsellor inbox, participant side: asking a question.

Who a participant's counsellor is lives in bot.services.counsellor_inbox.assignment (its names
are re-exported here). A question (`/ask <question>`, or `/ask` or the menu button and then one
message) becomes a ticket that reaches the counsellor privately (bot.services.counsellor_inbox.desk
answers it). Only counts and times are research data (events); the question's text is kept until
the ticket is closed plus the protocol's retention period.

A participant has at most the protocol's `person_limits.open_tickets` open at a time: a further
question is added to their newest open ticket, and its counsellor hears of additions once per
round of answers, so a burst of questions does not fill the counsellor's chat. Writing again
after an answer reopens the answered ticket as a new round; an answered ticket nobody writes
about closes by itself (bot.services.counsellor_inbox.scan).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.delivery import OutboxMessage, OutboxStatus
from bot.db.groups import GroupMember, PeerGroup, PoolEntry
from bot.db.study import Event, IntakeStep, Participant, StaffMember
from bot.db.tickets import Ticket, TicketMessage, TicketStatus
from bot.i18n import Language, text
from bot.outbox import Button, OutboxKind, OutgoingMessage, enqueue
from bot.services import button_data
from bot.services.counsellor_inbox.assignment import active_counsellor as active_counsellor
from bot.services.counsellor_inbox.assignment import assign_counsellor as assign_counsellor
from bot.services.counsellor_inbox.assignment import assign_missing as assign_missing
from bot.services.counsellor_inbox.assignment import has_contact as has_contact
from bot.services.counsellor_inbox.outreach_answers import outreach_answered
from bot.services.trial import Trial
from bot.services.turns import Turn, language_for_staff
from experiments.records import EventKind

DRAFT_LIFETIME = timedelta(hours=1)  # a bare /ask waits this long for the question
# the outbox kinds of messages about a ticket in a staff chat: a reply to any of them answers it
TICKET_KIND = OutboxKind.TICKET
REMINDER_KIND = OutboxKind.TICKET_REMINDER
ESCALATION_KIND = OutboxKind.TICKET_ESCALATION
ANSWER_KIND = OutboxKind.TICKET_ANSWER
ADDED_KIND = OutboxKind.TICKET_ADDED
STAFF_KINDS = (TICKET_KIND, REMINDER_KIND, ESCALATION_KIND, ADDED_KIND)
# the counsellor's check-in (bot.services.counsellor_inbox.outreach): its prompt, and what they sent
OUTREACH_KINDS = (OutboxKind.OUTREACH_PROMPT, OutboxKind.OUTREACH)
# a ticket's questions together stay well inside a Telegram message (4,096 characters) when a
# reminder or escalation quotes them
MAX_TICKET_CHARS = 3000


async def pseudonym_of(session: AsyncSession, participant: Participant) -> str:
    """How staff see the participant: their group tag, else a number; never a Telegram id."""
    tag = await session.scalar(
        select(GroupMember.tag).where(GroupMember.participant_id == participant.id)
    )
    return tag or f"P{participant.id}"


async def place_of(session: AsyncSession, participant: Participant, language: Language) -> str:
    """The participant's group as staff call it: "#3", waiting in a pool, or no group."""
    group_id = await session.scalar(
        select(PeerGroup.id)
        .join(GroupMember, GroupMember.group_id == PeerGroup.id)
        .where(GroupMember.participant_id == participant.id)
    )
    if group_id is not None:
        return f"#{group_id}"
    pooled = await session.scalar(
        select(PoolEntry.participant_id).where(PoolEntry.participant_id == participant.id)
    )
    return text(language, "inbox.place_pool" if pooled is not None else "inbox.place_none")


async def contactable(turn: Turn, trial: Trial) -> Participant | None:
    """The enrolled participant whose arm has a counsellor; None once told why not."""
    participant = turn.participant
    if participant is None or participant.step is not IntakeStep.DONE:
        await turn.say_text("activity.not_enrolled")
        return None
    if not has_contact(participant, trial):
        await turn.say_text("inbox.not_in_arm")
        return None
    return participant


async def ask(turn: Turn, trial: Trial, question: str | None) -> None:
    """/ask <question> or the menu button: send the question, or ask for it first."""
    participant = await contactable(turn, trial)
    if participant is None:
        return
    if question is None or not question.strip():
        await _draft(turn, participant)
        await turn.say_text("inbox.type_question")
        return
    await open_ticket(turn, participant, question.strip(), trial)


async def typed(turn: Turn, words: str, trial: Trial) -> bool:
    """Text after a bare /ask is the question; False when no question was asked for."""
    participant = turn.participant
    if participant is None or not has_contact(participant, trial):
        return False
    draft = await pending_draft(turn.session, participant.id, turn.now)
    if draft is None:
        return False
    await open_ticket(turn, participant, words.strip(), trial, draft=draft)
    return True


async def pending_draft(session: AsyncSession, participant_id: int, now: datetime) -> Ticket | None:
    """The participant's question being typed, if they asked to ask within the last hour."""
    return await session.scalar(
        select(Ticket).where(
            Ticket.participant_id == participant_id,
            Ticket.status == TicketStatus.DRAFT,
            Ticket.created_at > now - DRAFT_LIFETIME,
        )
    )


async def start_draft(turn: Turn, participant: Participant) -> None:
    """The participant's next message (within the hour) goes to their counsellor."""
    await _draft(turn, participant)


async def _draft(turn: Turn, participant: Participant) -> None:
    draft = await pending_draft(turn.session, participant.id, turn.now)
    if draft is not None:
        draft.created_at = turn.now
        return
    await turn.session.execute(
        delete(Ticket).where(
            Ticket.participant_id == participant.id, Ticket.status == TicketStatus.DRAFT
        )
    )
    turn.session.add(
        Ticket(
            participant_id=participant.id,
            status=TicketStatus.DRAFT,
            created_at=turn.now,
            answers=0,
        )
    )


async def open_ticket(
    turn: Turn,
    participant: Participant,
    question: str,
    trial: Trial,
    *,
    draft: Ticket | None = None,
) -> None:
    """Turn the question into an open ticket and send it to the counsellor (or the admins)."""
    limit = trial.protocol.inbox.max_question_chars
    if len(question) > limit:
        await turn.say_text("inbox.too_long", limit=limit)
        return
    newest = await _open_at_limit(turn.session, participant, trial)
    if newest is not None:
        await add_question(turn, newest, question, trial, draft=draft)
        return
    answered = await _answered(turn.session, participant)
    if answered is not None:
        await reopen(turn, answered, question, trial, draft=draft)
        return
    counsellor = await assign_counsellor(turn.session, participant, trial)
    ticket = draft or Ticket(participant_id=participant.id, created_at=turn.now, answers=0)
    ticket.status, ticket.text, ticket.opened_at = TicketStatus.OPEN, question, turn.now
    ticket.counsellor_id = counsellor.id if counsellor is not None else None
    if draft is None:
        turn.session.add(ticket)
    await turn.session.flush()
    record(turn.session, ticket, EventKind.TICKET_OPENED, turn.now)
    for chat_id in await _staff_chats(turn, counsellor):
        language = await language_for_staff(turn.session, chat_id)
        words = text(
            language,
            "inbox.ticket",
            ticket=ticket.id,
            name=turn.incoming.first_name,
            who=await pseudonym_of(turn.session, participant),
            group=await place_of(turn.session, participant, language),
            track=text(language, f"track.{participant.track}"),
            question=question,
        )
        await send_to_staff(turn.session, ticket, chat_id, words, TICKET_KIND, language, trial)
    await turn.say_text("inbox.sent")


async def _answered(session: AsyncSession, participant: Participant) -> Ticket | None:
    """The participant's newest answered ticket that is not closed yet."""
    return await session.scalar(
        select(Ticket)
        .where(Ticket.participant_id == participant.id, Ticket.status == TicketStatus.ANSWERED)
        .order_by(Ticket.answered_at.desc(), Ticket.id.desc())
        .limit(1)
    )


async def reopen(
    turn: Turn, ticket: Ticket, question: str, trial: Trial, *, draft: Ticket | None = None
) -> None:
    """The participant wrote again after an answer: the ticket is open again, as a new round
    (reminders and escalation count from now), and its counsellor (or the admins) hear it."""
    if draft is not None:
        await turn.session.delete(draft)
    asked = ticket.text or ""
    ticket.text = f"{asked}\n\n{question}"[-MAX_TICKET_CHARS:] if asked else question
    # the first answer to a check-in the counsellor started is counted as such
    check_in = await outreach_answered(turn.session, ticket, turn.now)
    ticket.status, ticket.opened_at = TicketStatus.OPEN, turn.now
    ticket.answered_at = ticket.reminded_at = ticket.escalated_at = None
    record(turn.session, ticket, EventKind.TICKET_REOPENED, turn.now)
    staff_key = "outreach.answered_staff" if check_in else "inbox.reopened_staff"
    await _tell_staff_once_a_round(turn, ticket, staff_key, question, trial)
    if check_in:
        await turn.say_text("inbox.sent")
    else:
        await turn.say_text("inbox.reopened", ticket=ticket.id)


async def _open_at_limit(
    session: AsyncSession, participant: Participant, trial: Trial
) -> Ticket | None:
    """The participant's newest open ticket when they hold as many as the protocol allows."""
    open_ones = list(
        await session.scalars(
            select(Ticket)
            .where(Ticket.participant_id == participant.id, Ticket.status == TicketStatus.OPEN)
            .order_by(Ticket.opened_at.desc(), Ticket.id.desc())
        )
    )
    if len(open_ones) < trial.protocol.person_limits.open_tickets:
        return None
    return open_ones[0]


async def add_question(
    turn: Turn, ticket: Ticket, question: str, trial: Trial, *, draft: Ticket | None = None
) -> None:
    """A question beyond the open-ticket limit joins `ticket`; its counsellor (or the admins)
    hear of it once until they answer, so a burst does not fill their chat."""
    if draft is not None:
        await turn.session.delete(draft)
    asked = ticket.text or ""
    if len(asked) + len(question) + 2 > MAX_TICKET_CHARS:
        await turn.say_text("inbox.ticket_full", ticket=ticket.id)
        return
    ticket.text = f"{asked}\n\n{question}" if asked else question
    await _tell_staff_once_a_round(turn, ticket, "inbox.added", question, trial)
    await turn.say_text("inbox.added_to_open", ticket=ticket.id)


async def _tell_staff_once_a_round(
    turn: Turn, ticket: Ticket, key: str, question: str, trial: Trial
) -> None:
    """Tell the ticket's counsellor (or the admins) what the participant added, in each staff
    member's language: once per answering round, so a burst does not fill their chat."""
    participant = turn.participant
    assert participant is not None
    counsellor = await active_counsellor(turn.session, ticket.counsellor_id)
    for chat_id in await _staff_chats(turn, counsellor):
        language = await language_for_staff(turn.session, chat_id)
        words = text(
            language,
            key,
            ticket=ticket.id,
            who=await pseudonym_of(turn.session, participant),
            question=question,
        )
        once_a_round = f"{ADDED_KIND}:{ticket.id}:{chat_id}:{ticket.answers}"
        await send_to_staff(
            turn.session, ticket, chat_id, words, ADDED_KIND, language, trial, key=once_a_round
        )


async def _staff_chats(turn: Turn, counsellor: StaffMember | None) -> list[int]:
    """Who hears of a ticket: its counsellor, or the admins while it has none."""
    if counsellor is not None:
        return [counsellor.telegram_user_id]
    return await turn.staff.admins(turn.session)


def ticket_buttons(ticket: Ticket, language: Language, trial: Trial) -> list[list[Button]]:
    """The canned replies of the protocol under a ticket, and a button that closes it."""
    canned = [
        button_data.button(reply.label.text(language), button_data.TicketReply(ticket.id, n))
        for n, reply in enumerate(trial.protocol.inbox.canned)
    ]
    close = button_data.button(
        text(language, "inbox.close_button"), button_data.CloseTicket(ticket.id)
    )
    return [row for row in (canned, [close]) if row]


async def send_to_staff(
    session: AsyncSession,
    ticket: Ticket,
    chat_id: int,
    words: str,
    kind: OutboxKind,
    language: Language,
    trial: Trial,
    *,
    now: datetime | None = None,
    key: str | None = None,
) -> None:
    """A message about `ticket` to a staff chat, with its buttons; a reply to it answers it.
    Its intent key is "<kind>:<ticket>:<chat>" unless `key` (of that form, extended) is given."""
    message = OutgoingMessage(
        chat_id=chat_id,
        text=words,
        kind=kind,
        intent_key=key or f"{kind}:{ticket.id}:{chat_id}",
        buttons=ticket_buttons(ticket, language, trial),
    )
    await enqueue(session, message, now or ticket.opened_at or ticket.created_at)


def record(
    session: AsyncSession,
    ticket: Ticket,
    kind: EventKind,
    now: datetime,
    detail: dict[str, object] | None = None,
    *,
    source: str = "telegram",
) -> None:
    """An inbox event: what happened to which ticket and when, never the words."""
    session.add(
        Event(
            participant_id=ticket.participant_id,
            kind=kind,
            detail={"ticket": ticket.id, **(detail or {})},
            occurred_at=now,
            source=source,
        )
    )


async def forget_text(session: AsyncSession, ticket_ids: list[int], now: datetime) -> None:
    """Forget what was asked and answered in these tickets: their text and the copies in the
    outbox. Which staff messages were about them stays (ids only), so a late reply to one is
    told that the ticket is closed."""
    if not ticket_ids:
        return
    await session.execute(
        update(Ticket)
        .where(Ticket.id.in_(ticket_ids))
        .values(text=None, forgotten_at=func.coalesce(Ticket.forgotten_at, now))
    )
    for ticket_id in ticket_ids:
        for kind in (*STAFF_KINDS, ANSWER_KIND, *OUTREACH_KINDS):
            # intent keys "<kind>:<ticket>:…": a range over the unique index, not a scan
            about = (
                OutboxMessage.intent_key >= f"{kind}:{ticket_id}:",
                OutboxMessage.intent_key < f"{kind}:{ticket_id};",
            )
            # a row the sender holds is left to it; one still waiting is not sent at all
            await session.execute(
                update(OutboxMessage)
                .where(*about, OutboxMessage.status == OutboxStatus.PENDING)
                .values(status=OutboxStatus.CANCELLED, last_error="forgotten")
            )
            await session.execute(update(OutboxMessage).where(*about).values(payload={}))


async def forget_participant(session: AsyncSession, participant_id: int, now: datetime) -> None:
    """/delete: every question of this participant loses its text; open ones are closed."""
    await session.execute(
        delete(Ticket).where(
            Ticket.participant_id == participant_id, Ticket.status == TicketStatus.DRAFT
        )
    )
    asked = select(Ticket.id).where(Ticket.participant_id == participant_id)
    ids = list(await session.scalars(asked))
    # the ids of check-ins in the participant's own chat (a reply to one is their answer)
    await session.execute(
        delete(TicketMessage).where(
            TicketMessage.ticket_id.in_(asked),
            TicketMessage.chat_id.not_in(select(StaffMember.telegram_user_id)),
        )
    )
    await session.execute(
        update(Ticket)
        .where(
            Ticket.participant_id == participant_id,
            Ticket.status.in_((TicketStatus.OPEN, TicketStatus.ANSWERED, TicketStatus.PROMPTED)),
        )
        .values(status=TicketStatus.CLOSED, closed_at=now)
    )
    await forget_text(session, ids, now)
