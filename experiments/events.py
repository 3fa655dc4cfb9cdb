"""What a participant's events can be: one vocabulary for the bot that records them and the
research code that counts them."""

from __future__ import annotations

import enum
from typing import Final


class EventKind(enum.StrEnum):
    """`events.kind`: what happened, never what anybody wrote."""

    DEPOSIT = "deposit"
    DEPOSIT_CORRECTION = "deposit_correction"
    APPLIED = "applied"
    INTERVIEW = "interview"
    JOB = "job"
    TRAINING = "training"
    PAUSE = "pause"
    RESUME = "resume"
    WITHDRAWAL = "withdrawal"
    GROUP_JOIN = "group_join"
    GROUP_LEAVE = "group_leave"
    GROUP_MESSAGE = "group_message"
    TICKET_OPENED = "ticket_opened"
    TICKET_ANSWERED = "ticket_answered"
    TICKET_CLOSED = "ticket_closed"
    TICKET_ESCALATED = "ticket_escalated"
    CHECKIN_PLAN = "checkin_plan"
    CHECKIN_REVIEW = "checkin_review"


DEPOSIT_KINDS: Final = (EventKind.DEPOSIT, EventKind.DEPOSIT_CORRECTION)
JOB_SEARCH_KINDS: Final = (
    EventKind.APPLIED,
    EventKind.INTERVIEW,
    EventKind.JOB,
    EventKind.TRAINING,
)
LOGGED_KINDS: Final = (*DEPOSIT_KINDS, *JOB_SEARCH_KINDS)
# The counsellor inbox: counted and timed per arm, never what was asked or answered.
TICKET_KINDS: Final = (
    EventKind.TICKET_OPENED,
    EventKind.TICKET_ANSWERED,
    EventKind.TICKET_CLOSED,
    EventKind.TICKET_ESCALATED,
)
# The weekly check-in of a peer group (component `checkin`): a member's plan for the week (its
# kind in detail["plan"], cents in amount_cents or steps in quantity) and their answer to "did it
# work out?" (detail["result"]). A changed plan or answer is a new event: the last one counts.
CHECKIN_KINDS: Final = (EventKind.CHECKIN_PLAN, EventKind.CHECKIN_REVIEW)
