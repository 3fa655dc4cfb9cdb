"""The export's table of events without a person (SPEC §11.5): what happened to a peer group as
a whole (counsellor posts and answers, digests, the steps of its cycle), one row each."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd  # type: ignore[import-untyped]

from experiments.records import GroupEventKind

__all__ = ["GROUP_EVENT_LABELS", "GROUP_EVENT_VIA", "group_event_table"]

# every kind of group event, in words (a test checks none is missing)
GROUP_EVENT_LABELS: dict[GroupEventKind, str] = {
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
            "via": events["via"],
            "quantity": events["quantity"].astype("Int64"),
            "occurred_at": pd.to_datetime(events["occurred_at"], utc=True),
        }
    )
    shift(frame, frame["group_id"].astype("Int64"))
    return frame
