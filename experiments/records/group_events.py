"""What can happen to a peer group as a whole: events without a person (SPEC §11.5).

They go to `group_events`, never to `events` (whose `participant_id` stays required), and are
exported as a table of their own with a codebook entry per kind.
"""

from __future__ import annotations

import enum


class GroupEventKind(enum.StrEnum):
    """`group_events.kind`: what happened to a group, never who did it or what anybody wrote."""

    # the opt-in ingredients (together): the week's buddy lines went out; quantity: how many
    # members got one (0: none, or too late)
    BUDDY_ROUND = "buddy_round"
    # a host week began; quantity: 1 with a volunteer as host, 0 when nobody was willing
    HOST_WEEK = "host_week"
    # how the host week's topic reached the group: the host tapped and the bot posted it naming
    # them, the host wrote in the group after getting it (taken as their own words), or neither
    # happened within a day and the bot posted it as usual
    HOST_TOPIC_BY_TAP = "host_topic_by_tap"
    HOST_TOPIC_OWN_WORDS = "host_topic_own_words"
    HOST_TOPIC_BY_BOT = "host_topic_by_bot"
    # a member's steps shown in the group under the name they chose (one post; quantity: 1)
    PROGRESS_SHARED = "progress_shared"
    # a visible counsellor (`via` says how)
    COUNSELLOR_POST = "counsellor_post"  # the counsellor posted in the group
    COUNSELLOR_ANSWER = "counsellor_answer"  # the counsellor answered a member's question
    DIGEST_SENT = "digest_sent"  # the counsellor's weekly digest went out (quantity: quiet members)
    # the steps of a group's cycle (quantity: members in the chat then)
    CYCLE_MIDPOINT = "cycle_midpoint"  # halfway through the group's cycle
    CLOSING_WEEK = "closing_week"  # the cycle's last week began
    CYCLE_CLOSED = "cycle_closed"  # the cycle ended: the group closed and the bot left
