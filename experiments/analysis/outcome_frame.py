"""The analysis data: one row per analysed participant with strata, group, exposure and outcomes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from experiments.analysis.descriptives import analysed, member_groups
from experiments.analysis.design import Design
from experiments.analysis.lasting_frame import add_lasting_columns
from experiments.analysis.linked_frame import add_linked_columns
from experiments.protocol import AnalysisPlan, OutcomeSpec, Protocol, wave_times
from experiments.records.ledger import Logged
from experiments.records.ledger_frames import by_person, done_frame

__all__ = ["outcome_frame"]
_WEEK = timedelta(days=7)
_DEFAULT_SECONDARY = ("saved_eur", "applications", "placement")


def plan_of(protocol: Protocol) -> tuple[AnalysisPlan, bool]:
    if protocol.analysis is not None:
        return protocol.analysis, True
    plan = protocol.questionnaires
    asked = [i for i in plan.follow_up if i in plan.baseline and plan.instrument(i).scored]
    fallback = AnalysisPlan(primary="deposits", secondary=(*_DEFAULT_SECONDARY, *asked))
    return fallback, False


def outcome_frame(
    tables: Mapping[str, pd.DataFrame], protocol: Protocol, as_of: datetime
) -> pd.DataFrame:
    """One row per analysed participant: strata, group, exposure and every outcome in the window.

    Exposure runs from allocation to the end of the follow-up window or the data date, whichever
    is first; `*_loss` columns end it at withdrawal, loss (bot blocked) or erasure instead.
    """
    plan, _registered = plan_of(protocol)
    design = Design.from_protocol(protocol)
    people = analysed(tables, design).reset_index(drop=True)
    keep = ["pseudonym", "arm", "track", "age_band", "site", "allocated_at"]
    frame = people[keep].copy()
    frame["allocated_at"] = pd.to_datetime(frame["allocated_at"], utc=True)
    start = frame["allocated_at"]
    end = (start + plan.follow_up).where(start + plan.follow_up < pd.Timestamp(as_of), as_of)
    lost = pd.concat(
        [
            pd.to_datetime(people[c], utc=True)
            for c in ("withdrawn_at", "erased_at", "unreachable_since")
            if c in people
        ]
        or [pd.Series(pd.NaT, index=people.index, dtype="datetime64[ns, UTC]")],
        axis=1,
    ).min(axis=1)
    end_loss = end.where(lost.isna() | (lost >= end), lost)
    frame["exposure"] = ((end - start) / _WEEK).astype("float64").clip(lower=1 / 7)
    frame["exposure_loss"] = ((end_loss - start) / _WEEK).astype("float64").clip(lower=1 / 7)
    frame["lost"] = lost.notna() & (lost < end)
    events = tables["events"]
    # each person's logged events, grouped once: they are counted in four windows below
    logged = by_person(events) if not events.empty else {}
    index = frame.set_index("pseudonym")
    for suffix, until in (("", end), ("_loss", end_loss)):
        stop = pd.Series(pd.to_datetime(until.to_numpy(), utc=True), index=frame["pseudonym"])
        sums = _event_sums(events, logged, index["allocated_at"], stop)
        for name in ("deposits", "saved_eur", "applications", "interviews", "placement"):
            column = frame["pseudonym"].map(sums[name]) if name in sums else None
            values = column.fillna(0) if column is not None else 0.0
            frame[name + suffix] = np.asarray(values, dtype="float64")
    frame["deposits"] = frame["deposits"].clip(lower=0)
    frame["deposits_loss"] = frame["deposits_loss"].clip(lower=0)
    frame["placement"] = (frame["placement"] > 0).astype("float64")
    add_lasting_columns(frame, events, protocol, end, as_of, logged=logged)
    add_linked_columns(frame, events, protocol, end)
    frame["group"] = member_groups(tables, frame)
    scores = tables["survey_scores"]
    for column in people.columns:
        if column.startswith("baseline_"):
            frame[column] = people[column].astype("float64").to_numpy()
    # baseline context the plan adjusts for or splits by (`context.debts` is `context_debts`)
    for column in (
        *plan.covariate_columns,
        *(s.column for s in plan.subgroup_analyses),
    ):
        if column in people.columns and column not in frame.columns:
            frame[column] = people[column].to_numpy()
    for wave in range(1, len(wave_times(protocol.schedule)) + 1):
        mine = scores[scores["wave"] == f"followup-{wave}"]
        frame[f"answered_{wave}"] = frame["pseudonym"].isin(set(mine["pseudonym"]))
        for instrument, rows in mine.groupby("instrument"):
            score_of = rows.drop_duplicates("pseudonym").set_index("pseudonym")["score"]
            frame[f"followup{wave}_{instrument}"] = frame["pseudonym"].map(score_of)
    return frame


def _event_sums(
    events: pd.DataFrame,
    logged: dict[Any, list[Logged]],
    allocated: pd.Series,
    until: pd.Series,
) -> dict[str, pd.Series]:
    """Each person's outcomes from allocation up to `until`, counted by
    `experiments.records.ledger` (`logged`: `by_person(events)`)."""
    if events.empty:
        return {}
    totals = done_frame(events, allocated.to_dict(), until.to_dict(), logged=logged)
    return {name: totals[name] for name in totals.columns}


def outcome_sample(
    frame: pd.DataFrame, spec: OutcomeSpec, wave: int | None
) -> tuple[pd.DataFrame, str]:
    in_track = frame["track"] == spec.track if spec.track is not None else None
    if spec.kind != "questionnaire":
        # only a registry number can be missing (no value for that person): left out
        return _rows(frame, in_track, [spec.name]), spec.name
    column = f"followup{wave}_{spec.name}"
    if column not in frame.columns:
        data = frame if in_track is None else frame[in_track]
        return data.iloc[0:0].assign(**{column: []}), column
    needed = [column, f"baseline_{spec.name}"] if f"baseline_{spec.name}" in frame else [column]
    return _rows(frame, in_track, needed), column


def _rows(frame: pd.DataFrame, in_track: pd.Series | None, needed: list[str]) -> pd.DataFrame:
    """The rows in the track (all where None) with every `needed` value: the same rows as
    selecting the track, then `dropna(subset=needed)`, but the wide frame is copied once."""
    keep = frame[needed].notna().all(axis=1)
    return frame[keep if in_track is None else keep & in_track]
