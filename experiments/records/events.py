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
    # the correction of one entry (↩️ Undo): signed like the change it makes, naming the entry
    # in `corrects_event_id`; one kind per kind of entry, so a sum by kind is right on its own
    APPLIED_CORRECTION = "applied_correction"
    INTERVIEW_CORRECTION = "interview_correction"
    JOB_CORRECTION = "job_correction"
    TRAINING_CORRECTION = "training_correction"
    PAUSE = "pause"
    RESUME = "resume"
    WITHDRAWAL = "withdrawal"
    GROUP_JOIN = "group_join"
    GROUP_LEAVE = "group_leave"
    GROUP_MESSAGE = "group_message"
    GROUP_PLACED = "group_placed"
    POOL_NOT_PLACEABLE = "pool_not_placeable"
    TICKET_OPENED = "ticket_opened"
    TICKET_ANSWERED = "ticket_answered"
    TICKET_CLOSED = "ticket_closed"
    TICKET_ESCALATED = "ticket_escalated"
    TICKET_REOPENED = "ticket_reopened"
    # a peer group's opt-in ingredients (progress_sharing, buddy, host_rotation): choices and
    # what came of them; the name a member chose is never part of an event
    SHARING_ON = "sharing_on"
    SHARING_OFF = "sharing_off"
    PROGRESS_SHARED = "progress_shared"
    BUDDY_ON = "buddy_on"
    BUDDY_OFF = "buddy_off"
    BUDDY_PAIRED = "buddy_paired"
    BUDDY_UNPAIRED = "buddy_unpaired"
    BUDDY_LINE = "buddy_line"
    BUDDY_CHEER = "buddy_cheer"
    HOST_ON = "host_on"
    HOST_OFF = "host_off"
    HOST_WEEK = "host_week"
    HOST_TOPIC_POSTED = "host_topic_posted"
    HOST_PIN = "host_pin"
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
# what a person logs (an entry), and the kind of event that corrects each
ENTRY_KINDS: Final = (EventKind.DEPOSIT, *JOB_SEARCH_KINDS)
CORRECTION_OF: Final[dict[EventKind, EventKind]] = {
    EventKind.DEPOSIT: EventKind.DEPOSIT_CORRECTION,
    EventKind.APPLIED: EventKind.APPLIED_CORRECTION,
    EventKind.INTERVIEW: EventKind.INTERVIEW_CORRECTION,
    EventKind.JOB: EventKind.JOB_CORRECTION,
    EventKind.TRAINING: EventKind.TRAINING_CORRECTION,
}
CORRECTION_KINDS: Final = tuple(CORRECTION_OF.values())
# everything the ledger counts: entries and their corrections
LOGGED_KINDS: Final = (*ENTRY_KINDS, *CORRECTION_KINDS)
# The counsellor inbox: counted and timed per arm, never what was asked or answered.
TICKET_KINDS: Final = (
    EventKind.TICKET_OPENED,
    EventKind.TICKET_ANSWERED,
    EventKind.TICKET_CLOSED,
    EventKind.TICKET_ESCALATED,
    EventKind.TICKET_REOPENED,
)
# A member's opt-in ingredients of their peer group (SPEC §11.4: every visibility is opt-in).
TOGETHER_KINDS: Final = (
    EventKind.SHARING_ON,
    EventKind.SHARING_OFF,
    EventKind.PROGRESS_SHARED,
    EventKind.BUDDY_ON,
    EventKind.BUDDY_OFF,
    EventKind.BUDDY_PAIRED,
    EventKind.BUDDY_UNPAIRED,
    EventKind.BUDDY_LINE,
    EventKind.BUDDY_CHEER,
    EventKind.HOST_ON,
    EventKind.HOST_OFF,
    EventKind.HOST_WEEK,
    EventKind.HOST_TOPIC_POSTED,
    EventKind.HOST_PIN,
)
# What became of the bot's own messages nobody asked for: detail_message (its kind),
# detail_reason, and for a deferral detail_until.
MESSAGE_BUDGET_KINDS: Final = (EventKind.MESSAGE_DEFERRED, EventKind.MESSAGE_DROPPED)
