"""The group flow's numbers from the exported memberships: assigned, joined, never joined."""

from __future__ import annotations

import pandas as pd  # type: ignore[import-untyped]  # pandas ships no type hints

from experiments.analysis import GroupCounts, group_counts


def test_members_without_a_join_time_count_as_never_joined() -> None:
    memberships = pd.DataFrame(
        {
            "group_id": [1] * 12,
            "pseudonym": [f"p{i}" for i in range(12)],
            "status": ["joined"] * 9 + ["assigned", "assigned", "removed"],
            "joined_at": [pd.Timestamp("2026-01-05", tz="UTC")] * 9
            + [pd.NaT, pd.NaT]
            # removed after joining: they joined
            + [pd.Timestamp("2026-01-06", tz="UTC")],
        }
    )

    assert group_counts(memberships) == GroupCounts(assigned=12, joined=10, never_joined=2)


def test_an_export_without_join_times_knows_only_who_was_assigned() -> None:
    memberships = pd.DataFrame({"group_id": [1, 1], "pseudonym": ["a", "b"]})

    assert group_counts(memberships) == GroupCounts(assigned=2, joined=None, never_joined=None)
