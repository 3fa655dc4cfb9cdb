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
    CHECKIN_PLAN = "checkin_plan"
    CHECKIN_REVIEW = "checkin_review"
    # a saver took money out of their savings (not a withdrawal from the study: `WITHDRAWAL`)
    MONEY_OUT = "money_out"
    MONEY_OUT_CORRECTION = "money_out_correction"
    # what a saver had put aside when they enrolled (one optional intake question)
    STARTING_BALANCE = "starting_balance"
    # "do you still have this work?" at a protocol time after a job or training start:
    # quantity 1 yes, 0 no or something else (detail: answer, check, start)
    WORK_KEPT = "work_kept"
    # the person was told their intervention ended: nudges stop, follow-up and logging go on
    INTERVENTION_ENDED = "intervention_ended"
    # an unsolicited private message that waited (the day's budget was spent, quiet hours, a
    # higher-ranked message went first) or was dropped (stale, or no longer fitting): SPEC §11.1
    # an outcome from a registry (municipality, UWV), linked through a trusted third party by
    # the hash of the person's enrollment code; source "administrative" (issue 29 point 5)
    LINKED_OUTCOME = "linked_outcome"
    MESSAGE_DEFERRED = "message_deferred"
    MESSAGE_DROPPED = "message_dropped"
    # (new kinds go last: the export numbers kinds in this order, so codes never move)
    # the mechanism components: a curriculum topic delivered privately (arms without groups);
    # the counsellor's check-in: offered to the counsellor, sent by them, answered by the person
    TOPIC_DELIVERED = "topic_delivered"
    OUTREACH_PROMPTED = "outreach_prompted"
    OUTREACH_SENT = "outreach_sent"
    OUTREACH_ANSWERED = "outreach_answered"


DEPOSIT_KINDS: Final = (EventKind.DEPOSIT, EventKind.DEPOSIT_CORRECTION)
# money taken out of savings, and its correction: never a deposit, always its own count
MONEY_OUT_KINDS: Final = (EventKind.MONEY_OUT, EventKind.MONEY_OUT_CORRECTION)
JOB_SEARCH_KINDS: Final = (
    EventKind.APPLIED,
    EventKind.INTERVIEW,
    EventKind.JOB,
    EventKind.TRAINING,
)
# what a person logs (an entry), and the kind of event that corrects each
ENTRY_KINDS: Final = (EventKind.DEPOSIT, *JOB_SEARCH_KINDS, EventKind.MONEY_OUT)
# entries that carry an amount of money (the others carry a count)
MONEY_ENTRY_KINDS: Final = (EventKind.DEPOSIT, EventKind.MONEY_OUT)
CORRECTION_OF: Final[dict[EventKind, EventKind]] = {
    EventKind.DEPOSIT: EventKind.DEPOSIT_CORRECTION,
    EventKind.MONEY_OUT: EventKind.MONEY_OUT_CORRECTION,
    EventKind.APPLIED: EventKind.APPLIED_CORRECTION,
    EventKind.INTERVIEW: EventKind.INTERVIEW_CORRECTION,
    EventKind.JOB: EventKind.JOB_CORRECTION,
    EventKind.TRAINING: EventKind.TRAINING_CORRECTION,
}
CORRECTION_KINDS: Final = tuple(CORRECTION_OF.values())
# everything the ledger counts: entries, their corrections, and a saver's starting balance
LOGGED_KINDS: Final = (*ENTRY_KINDS, *CORRECTION_KINDS, EventKind.STARTING_BALANCE)
# The counsellor inbox: counted and timed per arm, never what was asked or answered.
TICKET_KINDS: Final = (
    EventKind.TICKET_OPENED,
    EventKind.TICKET_ANSWERED,
    EventKind.TICKET_CLOSED,
    EventKind.TICKET_ESCALATED,
    EventKind.TICKET_REOPENED,
)
# The counsellor's own check-in (`counsellor_outreach`): counted and timed, never the words.
OUTREACH_KINDS: Final = (
    EventKind.OUTREACH_PROMPTED,
    EventKind.OUTREACH_SENT,
    EventKind.OUTREACH_ANSWERED,
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
# The weekly check-in of a peer group (component `checkin`): a member's plan for the week (its
# kind in detail["plan"], cents in amount_cents or steps in quantity) and their answer to "did it
# work out?" (detail["result"]). A changed plan or answer is a new event: the last one counts.
CHECKIN_KINDS: Final = (EventKind.CHECKIN_PLAN, EventKind.CHECKIN_REVIEW)
# What became of the bot's own messages nobody asked for: detail_message (its kind),
# detail_reason, and for a deferral detail_until.
MESSAGE_BUDGET_KINDS: Final = (EventKind.MESSAGE_DEFERRED, EventKind.MESSAGE_DROPPED)
