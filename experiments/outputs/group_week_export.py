"""The export's `group_weeks` table: each peer group's check-in weeks, counted (SPEC §11.5).

A record without a person: how many members had joined, how many chose a plan, how many said
it worked out (fully or partly) or not, and the group goal (the sum of the plans, in cents or
steps) with how far the group got and when it was reached. The members' own plans and answers
are events (`checkin_plan`, `checkin_review`); what a member typed is never kept, so never
exported. Telegram message ids and the bot's bookkeeping stay in the database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import pandas as pd  # type: ignore[import-untyped]

from experiments.protocol import Protocol as StudyProtocol
from experiments.protocol import uses_checkin

__all__ = ["GROUP_WEEK_COLUMNS", "group_week_table"]

GROUP_WEEK_COLUMNS = (
    "group_id",
    "week_start",
    "week_end",
    "members",
    "plans",
    "reviews_yes",
    "reviews_partly",
    "reviews_no",
    "plan_posted_at",
    "review_posted_at",
    "closed_at",
    "goal_unit",
    "goal_target",
    "goal_progress",
    "goal_posted_at",
    "goal_reached_at",
)
_TIMES = tuple(c for c in GROUP_WEEK_COLUMNS if c.startswith("week_") or c.endswith("_at"))


class _Shift(Protocol):
    """The export's date shifter (each group's dates move by the group's own offset)."""

    pseudonymizer: Any

    def apply(self, frame: pd.DataFrame, ids: pd.Series, offset: Callable[[int], Any]) -> None: ...


def group_week_table(
    raw: pd.DataFrame | None, shift: _Shift, protocol: StudyProtocol | None
) -> pd.DataFrame | None:
    """The exported columns of the raw `group_weeks` rows, times in UTC and shifted like the
    group's; None when the database has no such table, or it is empty in a study without the
    check-in."""
    if raw is None:
        return None
    if raw.empty and protocol is not None and not uses_checkin(protocol):
        return None
    frame = pd.DataFrame(
        {column: raw[column] for column in GROUP_WEEK_COLUMNS if column in raw.columns}
    )
    for column in _TIMES:
        if column in frame.columns:
            frame[column] = pd.to_datetime(frame[column], utc=True)
    if "group_id" in frame.columns:
        shift.apply(frame, frame["group_id"].astype("Int64"), shift.pseudonymizer.group_offset)
    return frame.sort_values(["group_id", "week_start"], kind="stable").reset_index(drop=True)
