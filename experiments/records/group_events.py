"""What happens to a peer group as a whole, without a person (SPEC §11.5): its own table."""

from __future__ import annotations

import enum


class GroupEventKind(enum.StrEnum):
    """`group_events.kind`: a group-level event of the opt-in ingredients, never who did it."""

    # the week's buddy lines went out; quantity: how many members got one (0: none, or too late)
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
