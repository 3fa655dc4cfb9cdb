"""The counsellor inbox, staff side: answering a ticket (a reply to it, or a canned reply),
closing it, and `/tickets`.

A reply is recognised by the Telegram message it replies to: when a message about a ticket is
delivered to a staff chat, its message id is kept (`ticket_messages`, by `ticket_delivered`).
The answer reaches the participant through the outbox; only its count and time are recorded.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.delivery import OutboxMessage
from bot.db.groups import GroupMember
from bot.db.study import Participant, Role, StaffMember
from bot.db.tickets import Ticket, TicketMessage, TicketStatus
from bot.db.upsert import insert_if_absent
from bot.i18n import Language, text
from bot.outbox import OutgoingMessage, enqueue
from bot.outbox.outcomes import Delivered, Outcome
from bot.outbox.store import ClaimedMessage
from bot.services import button_data
from bot.services.button_data import CloseTicket, TicketReply
from bot.services.counsellor_inbox.calls import call_of_ticket, scrub_phone_numbers
from bot.services.counsellor_inbox.tickets import ANSWER_KIND, pseudonym_of, record
from bot.services.peer_groups.lookups import touch_staff
from bot.services.peer_groups.presence import counsellor_answered, staff_name
from bot.services.trial import Trial
from bot.services.turns import Turn
from experiments.records import EventKind

STAFF = (Role.COUNSELLOR, Role.ASSISTANT, Role.ADMIN)  # assistants: follow-up call tickets
LIVE = (TicketStatus.OPEN, TicketStatus.ANSWERED)  # not closed: an answer may still go out
LISTED = 20  # /tickets shows the oldest this many open tickets
PREVIEW = 80  # characters of a question shown in /tickets


async def answer_by_reply(turn: Turn, replied_to: int | None, words: str, trial: Trial) -> bool:
    """Staff text replying to a message about a ticket is its answer; False for anything else."""
    if replied_to is None or turn.participant is not None or not await turn.holds(STAFF):
        return False
    ticket = await ticket_of_message(turn, replied_to)
    if ticket is None:
        return False
    await relay(turn, ticket, words.strip(), trial, canned=None)
    return True


async def ticket_of_message(turn: Turn, message_id: int) -> Ticket | None:
    """The ticket a message in this person's chat was about (a question, a check-in, a task)."""
    ticket_id = await turn.session.scalar(
        select(TicketMessage.ticket_id).where(
            TicketMessage.chat_id == turn.user_id, TicketMessage.message_id == message_id
        )
    )
    return await turn.session.get(Ticket, ticket_id) if ticket_id is not None else None


async def explain_answering(turn: Turn) -> bool:
    """Staff text that replies to nothing, while they have open questions: say how to answer
    one (a reply to it); a research assistant, who only writes with people they follow up, is
    always told how. False for anyone else, who gets the usual answer."""
    if not await turn.holds(STAFF):
        return False
    if await turn.roles() == {Role.ASSISTANT}:  # never the participants' welcome
        await turn.say_text("calls.how_to_write")
        return True
    if not await open_tickets_of(turn):
        return False
    await turn.say_text("inbox.how_to_answer")
    return True


async def press(turn: Turn, trial: Trial, data: str | None) -> None:
    """A canned-reply or close button under a ticket."""
    request = button_data.decode(data)
    if isinstance(request, TicketReply):
        ticket = await turn.session.get(Ticket, request.ticket_id)
        replies = trial.protocol.inbox.canned
        if ticket is None or request.choice >= len(replies):
            await turn.say_text("button.unknown")
            return
        participant = await turn.session.get(Participant, ticket.participant_id)
        language = Language(participant.language) if participant is not None else Language.NL
        reply = replies[request.choice]
        await relay(turn, ticket, reply.text.text(language), trial, canned=reply.key)
    elif isinstance(request, CloseTicket):
        await close(turn, request.ticket_id)
    else:
        await turn.say_text("button.unknown")


async def may_handle(turn: Turn, ticket: Ticket) -> bool:
    """The ticket's counsellor, or an admin."""
    return await may_act_as(turn, ticket.counsellor_id)


async def may_act_as(turn: Turn, staff_id: int | None) -> bool:
    """The active staff member `staff_id` (whose ticket or task it is) is writing, or an admin."""
    if Role.ADMIN in await turn.roles():
        return True
    mine = await turn.session.scalar(
        select(StaffMember.id).where(
            StaffMember.id == staff_id,
            StaffMember.telegram_user_id == turn.user_id,
            StaffMember.active,
        )
    )
    return mine is not None


async def relay(
    turn: Turn, ticket: Ticket, words: str, trial: Trial, *, canned: str | None
) -> None:
    """Send a counsellor's answer to the participant who asked, and count it."""
    if not await may_handle(turn, ticket):
        await turn.say_text("inbox.not_yours", ticket=ticket.id)
        return
    if ticket.status not in LIVE:
        await turn.say_text("inbox.already_closed", ticket=ticket.id)
        return
    participant = await turn.session.get(Participant, ticket.participant_id)
    if participant is None or participant.telegram_user_id is None:
        await turn.say_text("inbox.participant_gone", ticket=ticket.id)
        return
    if not words:
        await turn.say_text("inbox.empty_answer")
        return
    ticket.answers += 1
    opened = ticket.opened_at or ticket.created_at
    detail: dict[str, object] = {
        "answer": ticket.answers,
        "wait_s": int((turn.now - opened).total_seconds()),
        "reply": canned or "typed",  # a canned reply's key from the protocol, or typed
    }
    # answered, no longer open: it closes by itself `inbox.close_answered_after` after this
    ticket.status, ticket.answered_at = TicketStatus.ANSWERED, turn.now
    # the answer carries the counsellor's first name (issue 26.6) and counts for the group
    name = await staff_name(turn.session, turn.user_id)
    key = "inbox.answer" if name is None else "inbox.named.answer"
    intent = f"{ANSWER_KIND}:{ticket.id}:{ticket.answers}"
    call = await call_of_ticket(turn.session, ticket.id)
    if call is not None:  # a follow-up call: research
        key = "calls.answer" if name is None else "calls.named_answer"
        words = scrub_phone_numbers(words, Language(participant.language))  # SPEC §11.4
    else:
        via = "typed" if canned is None else "canned"
        await counsellor_answered(turn.session, participant.id, via, turn.now, intent)
    message = OutgoingMessage(
        chat_id=participant.telegram_user_id,
        text=text(Language(participant.language), key, words=words, name=name),
        kind=ANSWER_KIND,
        intent_key=intent,
        participant_id=participant.id,
    )
    await enqueue(turn.session, message, turn.now)
    record(turn.session, ticket, EventKind.TICKET_ANSWERED, turn.now, detail)
    await touch_staff(turn.session, turn.user_id, turn.now)
    if call is not None:  # named as the task the assistant was given, not as a question
        await turn.say_text("calls.relayed", task=call.id)
    else:
        await turn.say_text("inbox.relayed", ticket=ticket.id)


async def close(turn: Turn, ticket_id: int) -> None:
    """Close a ticket: no more reminders; its text is forgotten after the retention period."""
    ticket = await turn.session.get(Ticket, ticket_id)
    if ticket is None or ticket.status is TicketStatus.DRAFT:
        await turn.say_text("button.unknown")
        return
    if not await may_handle(turn, ticket):
        await turn.say_text("inbox.not_yours", ticket=ticket.id)
        return
    if ticket.status in LIVE:
        ticket.status, ticket.closed_at = TicketStatus.CLOSED, turn.now
        record(turn.session, ticket, EventKind.TICKET_CLOSED, turn.now)
        await touch_staff(turn.session, turn.user_id, turn.now)
    await turn.say_text("inbox.closed", ticket=ticket.id)


async def open_tickets_of(turn: Turn, status: TicketStatus = TicketStatus.OPEN) -> list[Ticket]:
    """Open (or answered) tickets this person answers for: their own as counsellor, every one
    for an admin."""
    query = select(Ticket).where(Ticket.status == status)
    if Role.ADMIN not in await turn.roles():
        mine = select(StaffMember.id).where(
            StaffMember.telegram_user_id == turn.user_id, StaffMember.active
        )
        query = query.where(Ticket.counsellor_id.in_(mine))
    return list(await turn.session.scalars(query.order_by(Ticket.opened_at, Ticket.id)))


async def list_tickets(turn: Turn, trial: Trial) -> None:
    """/tickets: the open questions, oldest first, each with a close button; then the answered
    ones, which close by themselves."""
    tickets = await open_tickets_of(turn)
    answered = await open_tickets_of(turn, TicketStatus.ANSWERED)
    await touch_staff(turn.session, turn.user_id, turn.now)
    if not tickets:
        await turn.say_text("inbox.tickets_none")
        if answered:
            await turn.say_text("inbox.answered_list", tickets=_numbers(answered))
        return
    zone = trial.protocol.zone
    lines, buttons = [], []
    for ticket in tickets[:LISTED]:
        participant = await turn.session.get(Participant, ticket.participant_id)
        assert participant is not None
        question = ticket.text or ""
        opened = ticket.opened_at or ticket.created_at
        lines.append(
            turn.t(
                "inbox.ticket_line",
                ticket=ticket.id,
                who=await pseudonym_of(turn.session, participant),
                when=opened.astimezone(zone).strftime("%d-%m %H:%M"),
                state=turn.t("inbox.state_waiting"),
                question=question[:PREVIEW] + ("…" if len(question) > PREVIEW else ""),
            )
        )
        label = turn.t("inbox.close_numbered", ticket=ticket.id)
        buttons.append([button_data.button(label, CloseTicket(ticket.id))])
    if answered:
        lines.append("\n" + turn.t("inbox.answered_list", tickets=_numbers(answered)))
    await turn.say_text(
        "inbox.tickets", count=len(tickets), lines="\n".join(lines), buttons=buttons
    )


def _numbers(tickets: list[Ticket]) -> str:
    return ", ".join(f"#{ticket.id}" for ticket in tickets)


async def open_by_group(turn: Turn) -> Counter[int | None]:
    """How many open tickets this person answers for, per group of the asker (None: no group)."""
    tickets = await open_tickets_of(turn)
    if not tickets:
        return Counter()
    rows = await turn.session.execute(
        select(GroupMember.participant_id, GroupMember.group_id).where(
            GroupMember.participant_id.in_({t.participant_id for t in tickets})
        )
    )
    groups = {participant_id: group_id for participant_id, group_id in rows}
    return Counter(groups.get(ticket.participant_id) for ticket in tickets)


async def groups_summary(turn: Turn) -> str | None:
    """The open-tickets line under /groups, or None when there are none."""
    counts = await open_by_group(turn)
    if not counts:
        return None
    parts = [f"#{group}: {n}" for group, n in sorted((g, n) for g, n in counts.items() if g)]
    if counts.get(None):
        parts.append(turn.t("inbox.no_group_count", count=counts[None]))
    return turn.t("inbox.open_overview", count=sum(counts.values()), parts=" · ".join(parts))


async def group_summary(turn: Turn, group_id: int) -> str:
    """The open-tickets line under /group <id>."""
    counts = await open_by_group(turn)
    return turn.t("inbox.open_in_group", count=counts.get(group_id, 0))


async def ticket_delivered(
    session: AsyncSession, message: ClaimedMessage, outcome: Outcome, now: datetime
) -> None:
    """A message about a ticket reached a staff chat: remember its id, so a reply to it is an
    answer. Runs in the transaction that records the delivery."""
    if not isinstance(outcome, Delivered) or outcome.message_id is None:
        return
    intent = await session.scalar(
        select(OutboxMessage.intent_key).where(OutboxMessage.id == message.id)
    )
    parts = (intent or "").split(":")
    if len(parts) < 2 or not parts[1].isdigit():
        return
    values = {
        "chat_id": message.chat_id,
        "message_id": outcome.message_id,
        "ticket_id": int(parts[1]),
    }
    await insert_if_absent(session, TicketMessage, values, ["chat_id", "message_id"])
