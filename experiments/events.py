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
    # an unsolicited private message that waited (the day's budget was spent, quiet hours, a
    # higher-ranked message went first) or was dropped (stale, or no longer fitting): SPEC §11.1
    MESSAGE_DEFERRED = "message_deferred"
    MESSAGE_DROPPED = "message_dropped"


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
# What became of the bot's own messages nobody asked for: detail_message (its kind),
# detail_reason, and for a deferral detail_until.
MESSAGE_BUDGET_KINDS: Final = (EventKind.MESSAGE_DEFERRED, EventKind.MESSAGE_DROPPED)
