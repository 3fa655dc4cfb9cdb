"""What can happen to a peer group as a whole: events without a person (SPEC §11.5).

They go to `group_events`, never to `events` (whose `participant_id` stays required), and are
exported as a table of their own with a codebook entry per kind.
"""

from __future__ import annotations

import enum


class GroupEventKind(enum.StrEnum):
    """`group_events.kind`: what happened to a group, never what anybody wrote."""

    COUNSELLOR_POST = "counsellor_post"  # the counsellor posted in the group (`via` says how)
    COUNSELLOR_ANSWER = "counsellor_answer"  # the counsellor answered a member's question
    DIGEST_SENT = "digest_sent"  # the counsellor's weekly digest went out (quantity: quiet members)
    # the steps of a group's cycle (quantity: members in the chat then)
    CYCLE_MIDPOINT = "cycle_midpoint"  # halfway through the group's cycle
    CLOSING_WEEK = "closing_week"  # the cycle's last week began
    CYCLE_CLOSED = "cycle_closed"  # the cycle ended: the group closed and the bot left
