"""The console's quick look: unadjusted ITT estimates per arm, and the power they achieved.

The report's pre-specified analysis is `experiments.analysis.prespecified`; both fit with
`experiments.analysis.models.fit_model` (this one with CR1/HC1 errors, the report with CR2).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from scipy import stats  # type: ignore[import-untyped]

from experiments.analysis.descriptives import (
    _NAMES,
    _WEEK,
    _outcome_events,
    analysed,
    member_groups,
)
from experiments.analysis.design import OUTCOMES, Design, Outcome
from experiments.analysis.icc import icc
from experiments.analysis.models import NotEstimable, fit_model, reporting_scale
from experiments.analysis.power import achieved_power

__all__ = ["EFFECT_SIZES", "Estimate", "PowerRow", "itt_estimates", "per_participant", "power_rows"]

EFFECT_SIZES = (0.2, 0.3, 0.4, 0.5, 0.8)


@dataclass(frozen=True, slots=True)
class Estimate:
    """One intention-to-treat comparison of an arm with control, or why there is none."""

    outcome: Outcome
    arm: str
    control: str
    n_arm: int
    n_control: int
    measure: str
    estimate: float | None = None
    low: float | None = None
    high: float | None = None
    p_value: float | None = None
    clusters: int | None = None  # the arm's peer groups, when standard errors are clustered
    icc: float | None = None
    mean_arm: float | None = None
    mean_control: float | None = None
    not_estimable: NotEstimable | None = None  # set exactly when there is no estimate


@dataclass(frozen=True, slots=True)
class PowerRow:
    """Achieved power of one comparison in one track's sample, per effect size (None: too few)."""

    arm: str
    track: str
    n_arm: int
    n_control: int
    design_effect: float
    powers: tuple[float | None, ...]


def per_participant(
    tables: Mapping[str, pd.DataFrame], design: Design, as_of: datetime
) -> pd.DataFrame:
    """Each analysed participant's follow-up (weeks), outcomes since allocation and group."""
    people = analysed(tables, design)
    frame = people[["pseudonym", "arm", "track", "allocated_at"]].copy()
    weeks = (pd.Timestamp(as_of) - frame["allocated_at"]) / _WEEK
    frame["weeks"] = weeks.clip(lower=1 / 7).astype("float64")
    totals = _outcome_events(tables["events"], frame, as_of).groupby("pseudonym")[_NAMES].sum()
    for column in _NAMES:
        frame[column] = frame["pseudonym"].map(totals[column]).fillna(0).astype("float64")
    frame["deposits"] = frame["deposits"].clip(lower=0)
    frame["group"] = member_groups(tables, frame)
    return frame.reset_index(drop=True)


def itt_estimates(people: pd.DataFrame, design: Design) -> list[Estimate]:
    """Every treatment arm against control, for every outcome."""
    return [
        _estimate(people, outcome, arm, design) for outcome in OUTCOMES for arm in design.treatments
    ]


def _estimate(people: pd.DataFrame, outcome: Outcome, arm: str, design: Design) -> Estimate:
    data = people[(people["track"] == outcome.track) & people["arm"].isin([arm, design.control])]
    treated = (data["arm"] == arm).to_numpy(dtype=float)
    y = data[outcome.name].to_numpy(dtype=float)
    n_arm, n_control = int(treated.sum()), int(len(treated) - treated.sum())
    measure = "rate ratio" if outcome.model == "count" else "difference in means"
    base = Estimate(outcome, arm, design.control, n_arm, n_control, measure)
    if n_arm < 2 or n_control < 2:
        counts = f"{n_arm} in {arm}, {n_control} in {design.control}"
        return _not_estimable(base, f"too little data: {counts} (need at least 2 in each)")
    grouped = arm in design.grouped_arms and bool(data["group"].notna().any())
    in_groups = data[(data["arm"] == arm) & data["group"].notna()]
    rate = in_groups[outcome.name] / in_groups["weeks"]
    group_icc = icc(rate, in_groups["group"]) if grouped else None
    means = float(y[treated == 1].mean()), float(y[treated == 0].mean())
    base = replace(base, icc=group_icc, mean_arm=means[0], mean_control=means[1])
    if outcome.model == "count" and (y[treated == 1].sum() == 0 or y[treated == 0].sum() == 0):
        return _not_estimable(base, f"no {outcome.label.lower()} in one of the arms")
    if outcome.model == "continuous" and not np.var(y) > 0:
        return _not_estimable(base, "every participant has the same value")
    if grouped:
        base = replace(base, clusters=int(in_groups["group"].nunique()))
    return _fit(base, data, arm, grouped)


def _fit(base: Estimate, data: pd.DataFrame, arm: str, grouped: bool) -> Estimate:
    count = base.outcome.model == "count"
    fitted = fit_model(
        data,
        kind="count" if count else "money",
        outcome=base.outcome.name,
        treatments={"arm": data["arm"] == arm},
        grouped=("arm",) if grouped else (),
        exposure="weeks" if count else None,
        errors="CR1",
    )
    if isinstance(fitted, NotEstimable):
        return replace(base, not_estimable=fitted)
    coef, variance = float(fitted.params["arm"]), float(fitted.cov.loc["arm", "arm"])
    se = math.sqrt(variance) if math.isfinite(variance) and variance > 0 else math.nan
    if not (math.isfinite(coef) and math.isfinite(se)) or se <= 0:
        return _not_estimable(base, "the model did not converge")
    # With clusters, the arm's information comes from its few groups: t with G − 1 degrees of
    # freedom (G = the arm's clusters) keeps the interval honest (Cameron & Miller 2015).
    # G counts formed groups only: peer participants not (yet) in a group are clusters of one
    # for the errors, but add no degrees of freedom.
    formed = base.clusters or 0
    df = formed - 1 if grouped and formed >= 2 else None
    critical = float(stats.t.ppf(0.975, df)) if df else float(stats.norm.ppf(0.975))
    tail = stats.t.sf(abs(coef / se), df) if df else stats.norm.sf(abs(coef / se))
    shown = reporting_scale(coef, coef - critical * se, coef + critical * se, ratio=count)
    if isinstance(shown, NotEstimable):
        return replace(base, not_estimable=shown)
    estimate, low, high = shown
    return replace(base, estimate=estimate, low=low, high=high, p_value=min(1.0, 2 * float(tail)))


def _not_estimable(estimate: Estimate, reason: str) -> Estimate:
    return replace(estimate, not_estimable=NotEstimable(reason))


def power_rows(
    people: pd.DataFrame,
    design: Design,
    estimates: Sequence[Estimate],
    effect_sizes: Sequence[float] = EFFECT_SIZES,
) -> list[PowerRow]:
    """The achieved power of each comparison, per track, for a range of effect sizes."""
    rows = []
    for track in ("savings", "jobsearch"):
        sample = people[people["track"] == track]
        n_control = int((sample["arm"] == design.control).sum())
        for arm in design.treatments:
            n_arm = int((sample["arm"] == arm).sum())
            deff = _design_effect(sample, arm, track, design, estimates)
            powers: list[float | None] = []
            for d in effect_sizes:
                effective = n_arm / deff
                if effective < 2 or n_control < 2:
                    powers.append(None)
                else:
                    powers.append(achieved_power(effective, d, ratio=n_control / effective))
            rows.append(PowerRow(arm, track, n_arm, n_control, deff, tuple(powers)))
    return rows


def _design_effect(
    sample: pd.DataFrame, arm: str, track: str, design: Design, estimates: Sequence[Estimate]
) -> float:
    if arm not in design.grouped_arms:
        return 1.0
    members = sample[(sample["arm"] == arm) & sample["group"].notna()]
    if members.empty:
        return 1.0
    size = float(members.groupby("group").size().mean())
    iccs = [e.icc for e in estimates if e.arm == arm and e.outcome.track == track and e.icc]
    return 1 + (size - 1) * max(0.0, max(iccs, default=0.0))
