"""Which messages count against a person's daily budget of unsolicited messages, and in what
order they go when two compete (SPEC §11.1).

Every OutboxKind is either ranked (a private message the bot starts on its own) or exempt, with
the reason. `budget_of` matches every kind, so mypy refuses a new kind until it is placed here;
a test holds the same at run time.
"""

from __future__ import annotations

import enum
from typing import assert_never

from bot.outbox.messages import OutboxKind


class Rank(enum.IntEnum):
    """An unsolicited private message's rank: the lowest number goes first."""

    # an invitation to take part: a follow-up questionnaire and its reminders, a retention
    # question; and news of one's place: in a group, beside a buddy. Never dropped, only delayed
    INVITATION = 1
    # a check-in prompt sent privately (the micro-randomized prompt); the week's line about
    # one's buddy, which SPEC §11.1 has ride along with the check-in
    CHECK_IN = 2
    # what the peer group offers, sent privately: the curriculum (to its host, or to each person
    # of an arm without groups), the invitation to opt in to the group's ingredients
    CURRICULUM = 3
    REMINDER = 4  # a missed period's reminder; a reminder to join one's group
    ENCOURAGEMENT = 5
    POOL_UPDATE = 6  # how the wait for a peer group stands


class Exempt(enum.StrEnum):
    """Why a kind is outside the budget."""

    REPLY = "reply"  # answers what the person just did
    HUMAN = "human"  # a counsellor, moderator or admin wrote or decided it
    STAFF = "staff"  # goes to staff, not to a participant
    GROUP = "group"  # a post in a peer group: seen by the group, not pushed to one person
    CALL = "call"  # a Bot API call that is not a message


def budget_of(kind: OutboxKind) -> Rank | Exempt:
    """Where a kind stands with the daily budget."""
    match kind:
        case (
            OutboxKind.SURVEY_INVITATION
            | OutboxKind.SURVEY_REMINDER
            | OutboxKind.POOL_PLACEMENT
            | OutboxKind.BUDDY_NEWS
            | OutboxKind.RETENTION_QUESTION
            # told once at the end of one's intervention: what continues and how to stop
            | OutboxKind.INTERVENTION_END
            # news of one's place: the group that never started has ended
            | OutboxKind.GROUP_ENDED
        ):
            return Rank.INVITATION
        case OutboxKind.PROMPT | OutboxKind.BUDDY_LINE:
            return Rank.CHECK_IN
        # the curriculum without a group: the week's topic, to one person
        case OutboxKind.HOST_TOPIC | OutboxKind.TOGETHER_INVITE | OutboxKind.PRIVATE_TOPIC:
            return Rank.CURRICULUM
        case OutboxKind.REMINDER | OutboxKind.JOIN_REMINDER:
            return Rank.REMINDER
        case OutboxKind.ENCOURAGEMENT:
            return Rank.ENCOURAGEMENT
        case OutboxKind.POOL_UPDATE:
            return Rank.POOL_UPDATE
        case (
            OutboxKind.REPLY
            | OutboxKind.ERROR
            | OutboxKind.CONGRATULATION
            | OutboxKind.CONFIRMATION
            | OutboxKind.REPORT_THANKS
            | OutboxKind.GROUP_REPLY
            | OutboxKind.GROUP_BOUND
            | OutboxKind.ERASURE_EDIT
            | OutboxKind.CHECKIN_TOAST  # answers a member's tap on the check-in
        ):
            return Exempt.REPLY
        case (
            OutboxKind.TICKET_ANSWER
            | OutboxKind.MODERATION_NOTE
            | OutboxKind.BROADCAST
            # the group link goes the moment a counsellor sets the group up: what the person
            # was promised when they joined the pool, not a nudge
            | OutboxKind.GROUP_LINK
            | OutboxKind.BUDDY_CHEER  # a buddy chose to send it
            | OutboxKind.HOST_POST  # the week's host tapped to post it
            | OutboxKind.OUTREACH  # the counsellor's check-in: they sent it
        ):
            return Exempt.HUMAN
        case (
            OutboxKind.GROUP_READY
            | OutboxKind.GROUP_ALERT
            | OutboxKind.GROUP_REPORT
            | OutboxKind.GROUP_DECLINED
            | OutboxKind.ADMIN_ALERT
            | OutboxKind.TICKET
            | OutboxKind.TICKET_REMINDER
            | OutboxKind.TICKET_ESCALATION
            | OutboxKind.TICKET_ADDED
            | OutboxKind.COUNSELLOR_DIGEST  # the counsellor's weekly digest of a group
            | OutboxKind.OUTREACH_PROMPT  # time for a check-in: a draft for the counsellor
        ):
            return Exempt.STAFF
        case (
            OutboxKind.GROUP_WELCOME
            | OutboxKind.GROUP_PROGRESS
            | OutboxKind.CURRICULUM
            | OutboxKind.PROGRESS_SHARED
            | OutboxKind.COUNSELLOR_POST
            | OutboxKind.CHECKIN_PLAN
            | OutboxKind.CHECKIN_REVIEW
            | OutboxKind.CHECKIN_EDIT
            | OutboxKind.GROUP_GOAL
            | OutboxKind.GROUP_GOAL_EDIT
            | OutboxKind.GROUP_GOAL_REACHED
            | OutboxKind.GROUP_CYCLE  # the cycle's mid-point and closing week
            | OutboxKind.GROUP_FAREWELL  # the cycle's last post, before the bot leaves
        ):
            return Exempt.GROUP
        case (
            OutboxKind.JOIN_REQUEST
            | OutboxKind.MODERATION
            | OutboxKind.GROUP_INVITE_LINK
            | OutboxKind.COMMANDS
            | OutboxKind.GROUP_GOAL_PIN
            | OutboxKind.GROUP_LEAVE  # leaveChat: the bot leaves a closed group's chat
        ):
            return Exempt.CALL
        case _:
            assert_never(kind)


def rank_of(kind: str) -> Rank | None:
    """The rank of a stored kind, or None when it is exempt (or not a kind at all)."""
    try:
        placed = budget_of(OutboxKind(kind))
    except ValueError:
        return None
    return placed if isinstance(placed, Rank) else None


# The group posts the bot makes on its own (not a human's, not an answer): like unsolicited
# private messages they wait out quiet hours, since every member's phone would buzz at night.
QUIET_GROUP_POSTS = frozenset(
    {
        OutboxKind.GROUP_WELCOME,
        OutboxKind.GROUP_PROGRESS,
        OutboxKind.CURRICULUM,
        OutboxKind.PROGRESS_SHARED,
        OutboxKind.GROUP_CYCLE,
        OutboxKind.GROUP_FAREWELL,
    }
)
RANKED_KINDS = tuple(str(kind) for kind in OutboxKind if isinstance(budget_of(kind), Rank))
