"""The export's table of events without a person (SPEC §11.5): what happened to a peer group as
a whole, one row each. The opt-in ingredients' rounds and host weeks (`week_start` says which
group week), a visible counsellor's posts, answers and digests, and the steps of a group's cycle
(`via` says how)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd  # type: ignore[import-untyped]

from experiments.records import GroupEventKind

__all__ = ["GROUP_EVENT_COLUMNS", "GROUP_EVENT_LABELS", "GROUP_EVENT_VIA", "group_event_table"]

# the raw columns read from `group_events`
GROUP_EVENT_COLUMNS = "id group_id kind week_start via quantity occurred_at"

# every kind of group event, in words (a test checks none is missing)
GROUP_EVENT_LABELS: dict[GroupEventKind, str] = {
    GroupEventKind.BUDDY_ROUND: "The week's buddy lines went out (quantity: members who got one)",
    GroupEventKind.HOST_WEEK: "A host week began (quantity: 1 with a volunteer host, 0 without)",
    GroupEventKind.HOST_TOPIC_BY_TAP: "The bot posted the week's topic for its host, naming them",
    GroupEventKind.HOST_TOPIC_OWN_WORDS: "The host wrote in the group after getting the topic",
    GroupEventKind.HOST_TOPIC_BY_BOT: "The host did neither within a day: the bot posted the topic",
    GroupEventKind.PROGRESS_SHARED: "A member's step shown in the group, by their chosen name",
    GroupEventKind.COUNSELLOR_POST: "The group's counsellor posted in the group (via says how)",
    GroupEventKind.COUNSELLOR_ANSWER: "The counsellor answered a member's question",
    GroupEventKind.DIGEST_SENT: "The counsellor's weekly digest of the group was sent",
    GroupEventKind.CYCLE_MIDPOINT: "Halfway through the group's cycle: the group was told",
    GroupEventKind.CLOSING_WEEK: "The last week of the group's cycle began: the group was told",
    GroupEventKind.CYCLE_CLOSED: "The cycle ended: the group closed and the bot left its chat",
}
GROUP_EVENT_VIA: dict[str, str] = {
    "post": "Posted with /post",
    "suggestion": "Posted by a tap on the digest's suggested post",
    "chat": "Written in the group chat itself",
    "typed": "Answer typed by the counsellor",
    "canned": "A canned answer from the protocol",
    "bound": "Closed with its Telegram chat (farewell posted)",
    "unbound": "Closed without ever having a Telegram chat",
}


def group_event_table(
    events: pd.DataFrame, shift: Callable[[pd.DataFrame, pd.Series], None]
) -> pd.DataFrame:
    """One row per group event (dates moved by the group's offset when `shift` moves them)."""
    frame = pd.DataFrame(
        {
            "group_event_id": events["id"].astype("int64"),
            "group_id": events["group_id"].astype("int64"),
            "kind": events["kind"],
            "week_start": pd.to_datetime(events["week_start"], utc=True),
            "via": events["via"],
            "quantity": events["quantity"].astype("Int64"),
            "occurred_at": pd.to_datetime(events["occurred_at"], utc=True),
        }
    )
    shift(frame, frame["group_id"].astype("Int64"))
    return frame
