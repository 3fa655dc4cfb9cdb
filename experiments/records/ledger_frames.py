"""The exported events table counted by `experiments.records.ledger`, for analysis and report.

The bot counts a person's week with `did`; the analysis counts their follow-up with the same
function over the same events (corrections in the window of the entry they correct), so the
group post, /progress and the estimates cannot disagree about what someone did.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pandas as pd  # type: ignore[import-untyped]

from experiments.records.balance import balance_at_end, deepest_fall
from experiments.records.events import LOGGED_KINDS
from experiments.records.ledger import Done, Logged, Window, contributions, did

__all__ = [
    "OUTCOME_COLUMNS",
    "balance_frame",
    "by_person",
    "contribution_frame",
    "done_frame",
    "outcomes_of",
]

# what each outcome is of a `Done`
OUTCOME_COLUMNS = ("deposits", "saved_eur", "applications", "interviews", "placement")


def outcomes_of(done: Done) -> tuple[float, ...]:
    """A `Done` as the outcome columns (euros for money; placement 1 when placed)."""
    placement = float(done.jobs + done.trainings)
    return done.deposits, done.saved_cents / 100, done.applications, done.interviews, placement


def by_person(
    events: pd.DataFrame, person: str = "pseudonym", event_id: str = "event_id"
) -> dict[Any, list[Logged]]:
    """Each person's logged events (deposits, job-search steps, corrections): by pseudonym in
    the exported table, by `participant_id` (and `id`) in the raw one."""
    kept = events[events["kind"].isin([str(kind) for kind in LOGGED_KINDS])]
    columns = {
        name: _plain(kept[column]) if column in kept else [None] * len(kept)
        for name, column in (
            ("amount_cents", "amount_cents"),
            ("quantity", "quantity"),
            ("event_id", event_id),
            ("corrects_event_id", "corrects_event_id"),
        )
    }
    found: dict[Any, list[Logged]] = {}
    for row in zip(
        kept[person],
        kept["kind"],
        columns["amount_cents"],
        columns["quantity"],
        kept["occurred_at"],
        columns["event_id"],
        columns["corrects_event_id"],
        strict=True,
    ):
        found.setdefault(row[0], []).append(Logged(*row[1:]))
    return found


def done_frame(
    events: pd.DataFrame,
    start: Mapping[Any, datetime],
    end: Mapping[Any, datetime],
    *,
    logged: Mapping[Any, list[Logged]] | None = None,
) -> pd.DataFrame:
    """Per pseudonym with a `start`, what they did from `start` up to and including `end`.

    `logged` is `by_person(events)` when the caller has it already: the outcome frame counts
    the same events in several windows, and grouping them is the slow part."""
    grouped = by_person(events) if logged is None else logged
    rows = {
        person: outcomes_of(did(mine, Window(start[person], end[person], closed=True)))
        for person, mine in grouped.items()
        if person in start and not pd.isna(start[person])
    }
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(OUTCOME_COLUMNS))


def balance_frame(
    events: pd.DataFrame,
    start: Mapping[Any, datetime],
    end: Mapping[Any, datetime],
    relapse_share: float,
    *,
    logged: Mapping[Any, list[Logged]] | None = None,
) -> pd.DataFrame:
    """Per pseudonym with a `start`: the balance in euros at `end` (the starting balance, 0 where
    none was given, plus net logged savings) and whether it relapsed in [start, end] (fell by
    more than `relapse_share` of a peak). `logged` as in `done_frame`."""
    rows = {}
    for person, mine in (by_person(events) if logged is None else logged).items():
        if person not in start or pd.isna(start[person]):
            continue
        window = Window(start[person], end[person], closed=True)
        fall = deepest_fall(mine, window)
        rows[person] = (balance_at_end(mine, window) / 100, float(fall.share > relapse_share))
    return pd.DataFrame.from_dict(rows, orient="index", columns=["balance_eur", "relapse"])


def contribution_frame(
    events: pd.DataFrame, person: str = "pseudonym", event_id: str = "event_id"
) -> pd.DataFrame:
    """One row per logged event: its person (`person` column), the moment it counts at and what
    it adds (a correction: minus what it takes back, at the moment of the entry it corrects)."""
    rows = [
        (who, counted.at, *outcomes_of(counted.done))
        for who, logged in by_person(events, person, event_id).items()
        for counted in contributions(logged)
    ]
    frame = pd.DataFrame(rows, columns=[person, "at", *OUTCOME_COLUMNS])
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame


def _plain(column: pd.Series) -> list[Any]:
    """Values with missing ones as None and numbers as Python ints."""
    missing = column.isna().to_numpy()
    return [
        None if gone else int(value)
        for value, gone in zip(column.to_numpy(dtype=object), missing, strict=True)
    ]
