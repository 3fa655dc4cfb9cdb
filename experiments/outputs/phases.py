"""The `phase` of each exported event: in the person's intervention, or in the follow-up after
it ended (`schedule.intervention_length` after their allocation), so persistence can be read
straight from the events table."""

from __future__ import annotations

import pandas as pd  # type: ignore[import-untyped]

from experiments.protocol import Protocol

__all__ = ["PHASES", "with_phase"]

PHASES = ("intervention", "follow_up")


def with_phase(
    events: pd.DataFrame, participants: pd.DataFrame, protocol: Protocol | None
) -> pd.DataFrame:
    """`events` (raw participant ids) with a `phase` column; everything is "intervention" in a
    protocol without an end."""
    length = protocol.schedule.intervention_length if protocol is not None else None
    phase = pd.Series(PHASES[0], index=events.index, dtype="object")
    if length is not None and not events.empty and not participants.empty:
        allocated = pd.to_datetime(participants["allocated_at"], utc=True)
        ends = pd.Series((allocated + length).to_numpy(), index=participants["id"].astype("int64"))
        end = pd.to_datetime(events["participant_id"].map(ends), utc=True)
        after = end.notna() & (pd.to_datetime(events["occurred_at"], utc=True) >= end)
        phase = phase.where(~after, PHASES[1])
    return events.assign(phase=phase)
