"""A mechanism component (issue 27): the counsellor's own check-in (component
`counsellor_outreach`, an attention arm).

At the protocol's rhythm (`[outreach]`: the first `first_after` allocation, then every
`interval`, while the person's intervention runs) the bot asks the participant's counsellor
(assigned as for the inbox) to check in, with a draft in the participant's language. One tap
(✅) sends the draft; a reply to the prompt sends the counsellor's own words instead. The
participant gets it with the counsellor's first name and a button to answer (or replies to it);
their answer goes through the inbox like a question (it opens the check-in's ticket), and the
counsellor answers it there. Counted as events, never the words: `outreach_prompted`,
`outreach_sent`, `outreach_answered` (the first answer to each check-in).

A check-in is a ticket that starts as `prompted`; once sent it is `answered` (so it closes by
itself after `inbox.close_answered_after`, and the participant's reply opens it). A prompt the
counsellor never used is closed when the next one comes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.study import IntakeStep, Participant, ParticipantStatus, StaffMember
from bot.db.tickets import Ticket, TicketStatus
from bot.i18n import Language, text
from bot.outbox import OutboxKind, OutgoingMessage, enqueue
from bot.services import button_data
from bot.services.counsellor_inbox.desk import STAFF, may_handle, ticket_of_message
from bot.services.counsellor_inbox.tickets import (
    assign_counsellor,
    contactable,
    has_contact,
    open_ticket,
    place_of,
    pseudonym_of,
    record,
    start_draft,
)
from bot.services.intervention import has_ended, in_intervention
from bot.services.peer_groups.lookups import touch_staff
from bot.services.peer_groups.presence import staff_name
from bot.services.periods import advance_due
from bot.services.trial import Trial
from bot.services.turns import Turn, language_for_staff
from experiments.protocol import Component
from experiments.records import EventKind

PROMPT_KIND = OutboxKind.OUTREACH_PROMPT
SENT_KIND = OutboxKind.OUTREACH
BATCH = 200  # participants per scan; the next scan takes the rest


@dataclass
class OutreachScan:
    due: int = 0
    prompted: int = 0
    no_counsellor: int = 0


def schedule_first(participant: Participant, trial: Trial, now: datetime) -> None:
    """At allocation: when the counsellor is first asked to check in (nothing for other arms)."""
    if participant.arm in trial.protocol.arms_with(Component.COUNSELLOR_OUTREACH):
        participant.next_outreach_at = now + trial.protocol.outreach.first_after


async def scan_outreach(
    session: AsyncSession, trial: Trial, now: datetime, *, limit: int = BATCH
) -> OutreachScan:
    """Ask each due participant's counsellor to check in, once per round."""
    protocol = trial.protocol
    arms = protocol.arms_with(Component.COUNSELLOR_OUTREACH)
    due = (
        await session.scalars(
            select(Participant)
            .where(
                Participant.status == ParticipantStatus.ACTIVE,
                Participant.step == IntakeStep.DONE,
                Participant.next_outreach_at <= now,
                in_intervention(trial, now),
            )
            .order_by(Participant.id)
            .limit(limit)
        )
    ).all()
    scan = OutreachScan(due=len(due))
    for participant in due:
        assert participant.next_outreach_at is not None
        firing = advance_due(
            participant.next_outreach_at, now, protocol.outreach.interval,
            protocol.schedule.stale_after,
        )  # fmt: skip
        participant.next_outreach_at = firing.following
        if participant.arm not in arms:
            participant.next_outreach_at = None
            continue
        if firing.stale or participant.telegram_user_id is None:
            continue  # no check-in long after its time: the next round comes
        counsellor = await assign_counsellor(session, participant, trial)
        if counsellor is None:
            scan.no_counsellor += 1
            continue
        await prompt(session, participant, counsellor, trial, now, firing.latest)
        scan.prompted += 1
    return scan


async def prompt(
    session: AsyncSession,
    participant: Participant,
    counsellor: StaffMember,
    trial: Trial,
    now: datetime,
    due_at: datetime,
) -> Ticket:
    """Open a check-in for `participant` and offer its draft to their counsellor."""
    await session.execute(
        update(Ticket)
        .where(Ticket.participant_id == participant.id, Ticket.status == TicketStatus.PROMPTED)
        .values(status=TicketStatus.CLOSED, closed_at=now)
    )  # an earlier prompt never used lapses
    rounds = await session.scalar(
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.participant_id == participant.id, Ticket.outreach_round.is_not(None))
    )
    ticket = Ticket(
        participant_id=participant.id,
        counsellor_id=counsellor.id,
        status=TicketStatus.PROMPTED,
        created_at=now,
        answers=0,
        outreach_round=(rounds or 0) + 1,
    )
    session.add(ticket)
    await session.flush()
    record(
        session, ticket, EventKind.OUTREACH_PROMPTED, now, {"round": ticket.outreach_round},
        source="scheduler",
    )  # fmt: skip
    chat_id = counsellor.telegram_user_id
    language = await language_for_staff(session, chat_id)
    words = text(
        language,
        "outreach.prompt",
        ticket=ticket.id,
        who=await pseudonym_of(session, participant),
        group=await place_of(session, participant, language),
        track=text(language, f"track.{participant.track}"),
        draft=trial.protocol.outreach.draft.text(Language(participant.language)),
    )
    send = button_data.button(
        text(language, "outreach.send_button"), button_data.SendOutreach(ticket.id)
    )
    message = OutgoingMessage(
        chat_id=chat_id,
        text=words,
        kind=PROMPT_KIND,
        intent_key=f"{PROMPT_KIND}:{ticket.id}:{chat_id}",
        buttons=[[send]],
        not_before=trial.protocol.next_allowed_time(due_at),
    )
    await enqueue(session, message, now)
    return ticket


async def press(turn: Turn, trial: Trial, data: str | None) -> None:
    """✅ under a prompt: send the draft as it stands."""
    request = button_data.decode(data)
    if not isinstance(request, button_data.SendOutreach):
        await turn.say_text("button.unknown")
        return
    ticket = await turn.session.get(Ticket, request.ticket_id)
    if ticket is None or ticket.outreach_round is None:
        await turn.say_text("button.unknown")
        return
    await send(turn, ticket, trial, None)


async def answer_prompt_by_reply(
    turn: Turn, replied_to: int | None, words: str, trial: Trial
) -> bool:
    """Staff text replying to a check-in prompt not yet sent is the check-in, in their own
    words; False for anything else (the inbox looks at it next)."""
    if replied_to is None or turn.participant is not None or not await turn.holds(STAFF):
        return False
    ticket = await ticket_of_message(turn, replied_to)
    if ticket is None or ticket.status is not TicketStatus.PROMPTED:
        return False
    await send(turn, ticket, trial, words)
    return True


async def answer_by_participant_reply(
    turn: Turn, replied_to: int | None, words: str, trial: Trial
) -> bool:
    """A participant's reply to their counsellor's check-in (swiped, not the ✍️ button) is their
    answer, as if typed after ✍️; False for any other text."""
    participant = turn.participant
    if replied_to is None or participant is None or participant.step is not IntakeStep.DONE:
        return False
    ticket = await ticket_of_message(turn, replied_to)
    mine = ticket is not None and ticket.participant_id == participant.id
    if not mine or not words.strip() or not has_contact(participant, trial):
        return False
    if has_ended(participant, trial, turn.now):
        await turn.say_text("ending.ask_closed")
        return True
    await open_ticket(turn, participant, words.strip(), trial)
    return True


async def send(turn: Turn, ticket: Ticket, trial: Trial, words: str | None) -> None:
    """Send check-in `ticket` to its participant: `words`, or the protocol's draft (None)."""
    if not await may_handle(turn, ticket):
        await turn.say_text("inbox.not_yours", ticket=ticket.id)
        return
    if ticket.status is not TicketStatus.PROMPTED:
        await turn.say_text("outreach.not_open", ticket=ticket.id)
        return
    participant = await turn.session.get(Participant, ticket.participant_id)
    if (
        participant is None
        or participant.telegram_user_id is None
        or participant.status is not ParticipantStatus.ACTIVE
    ):
        await turn.say_text("inbox.participant_gone", ticket=ticket.id)
        return
    if has_ended(participant, trial, turn.now):
        ticket.status, ticket.closed_at = TicketStatus.CLOSED, turn.now
        await turn.say_text("outreach.ended", ticket=ticket.id)
        return
    language = Language(participant.language)
    body = trial.protocol.outreach.draft.text(language) if words is None else words.strip()
    if not body:
        await turn.say_text("inbox.empty_answer")
        return
    ticket.status, ticket.answers = TicketStatus.ANSWERED, 1
    ticket.opened_at = ticket.answered_at = turn.now
    name = await staff_name(turn.session, turn.user_id)
    key = "outreach.message" if name is None else "outreach.named.message"
    answer = button_data.button(
        text(language, "outreach.answer_button"), button_data.AnswerOutreach()
    )
    message = OutgoingMessage(
        chat_id=participant.telegram_user_id,
        text=text(language, key, words=body, name=name),
        kind=SENT_KIND,
        intent_key=f"{SENT_KIND}:{ticket.id}:1",
        participant_id=participant.id,
        buttons=[[answer]],
    )
    await enqueue(turn.session, message, turn.now)
    detail: dict[str, object] = {
        "round": ticket.outreach_round,
        "reply": "draft" if words is None else "typed",
        "wait_s": int((turn.now - ticket.created_at).total_seconds()),
    }
    record(turn.session, ticket, EventKind.OUTREACH_SENT, turn.now, detail)
    await touch_staff(turn.session, turn.user_id, turn.now)
    await turn.say_text("outreach.sent", ticket=ticket.id)


async def answer_press(turn: Turn, trial: Trial) -> None:
    """✍️ under a check-in: the participant's next message goes to their counsellor."""
    participant = await contactable(turn, trial)
    if participant is None:
        return
    if has_ended(participant, trial, turn.now):
        await turn.say_text("ending.ask_closed")
        return
    await start_draft(turn, participant)
    await turn.say_text("outreach.type_answer")
