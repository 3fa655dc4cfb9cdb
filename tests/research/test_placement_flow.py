"""The report's group flow counts who was never placed (and of them, who could not be) and the
median days from allocation to a group, from the exported events and memberships."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd  # type: ignore[import-untyped]  # pandas ships no type hints

from experiments import analysis as an
from experiments.allocation import Pseudonymizer
from experiments.outputs import TrialSettings, build_tables, simulate_trial
from experiments.records import EventKind
from tests.research.test_analysis import DESIGN


def _event(
    person: pd.Series, kind: EventKind, after: timedelta, event_id: int
) -> dict[str, object]:
    return {
        "pseudonym": person["pseudonym"],
        "event_id": event_id,
        "kind": str(kind),
        "occurred_at": person["allocated_at"] + after,
    }


def test_the_flow_counts_never_placed_not_placeable_and_days_to_a_group() -> None:
    sim = simulate_trial(TrialSettings(participants=60, grouped_arms=("peer",), seed=3))
    tables = build_tables(sim.raw, Pseudonymizer("k"))
    people = tables["participants"]
    peer = people[people["arm"] == "peer"]
    alone, waiting, *placed = (row for _, row in peer.iterrows())
    members = tables["memberships"]
    members = members[~members["pseudonym"].isin([alone["pseudonym"], waiting["pseudonym"]])]
    days = [timedelta(days=d) for d in (0, 2, 14, 14, 20)]
    events = [
        _event(person, EventKind.GROUP_PLACED, days[i % len(days)], 90_000 + i)
        for i, person in enumerate(placed)
    ]
    events.append(_event(alone, EventKind.POOL_NOT_PLACEABLE, timedelta(days=14), 99_999))
    tables = {
        **tables,
        "memberships": members,
        "events": pd.concat([tables["events"], pd.DataFrame(events)], ignore_index=True),
    }

    groups = next(a for a in an.flow(tables, DESIGN).arms if a.arm == "peer").groups

    assert groups is not None
    assert (groups.never_placed, groups.not_placeable) == (2, 1)
    waited = [days[i % len(days)] / timedelta(days=1) for i in range(len(placed))]
    assert groups.days_to_group == float(pd.Series(waited).median())
