"""What the pre-specified models compare: treatment columns, contrasts, and one result row."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import pandas as pd  # type: ignore[import-untyped]

from experiments.analysis.design import Design
from experiments.analysis.models import (
    ContrastValue,
    Fitted,
    NotEstimable,
    reporting_scale,
)
from experiments.protocol import AnalysisPlan, Component, OutcomeSpec, Protocol

__all__ = ["Family", "Result"]

Family = Literal["primary", "secondary", "exploratory", "sensitivity", "subgroup"]


@dataclass(frozen=True)
class Result:
    """One contrast on one outcome in one analysis, labelled by its place in the plan."""

    outcome: OutcomeSpec
    contrast: str
    family: Family
    analysis: str
    prespecified: bool
    n: tuple[int, int]
    summary: tuple[float | None, float | None]  # observed mean/rate/share in the two groups
    estimate: float | None = None
    low: float | None = None
    high: float | None = None
    p_value: float | None = None
    p_adjusted: float | None = None
    adjustment: str = ""
    df: float | None = None  # a whole number, except Satterthwaite's
    groups: int | None = None
    note: str = ""  # a caveat of an estimate (never why there is none: that is not_estimable)
    not_estimable: NotEstimable | None = None  # set exactly when there is no estimate

    @property
    def measure(self) -> str:
        """What the estimate is."""
        return self.outcome.measure


def treatment_columns(
    data: pd.DataFrame, protocol: Protocol, plan: AnalysisPlan, interaction: bool = False
) -> tuple[dict[str, pd.Series], list[str]]:
    design = Design.from_protocol(protocol)
    if plan.factorial is None:
        arms = data["arm"].to_numpy(dtype=object, na_value=None)
        dummies = {
            arm: pd.Series(arms == arm, index=data.index, dtype=float, name="arm")
            for arm in design.treatments
        }
        return dummies, [arm for arm in design.treatments if arm in design.grouped_arms]
    first, second = plan.factorial.factors
    has = {c: [a.name for a in protocol.arms if a.has(c)] for c in (first, second)}
    columns = {str(c): data["arm"].isin(has[c]).astype(float) for c in (first, second)}
    if interaction:
        columns[f"{first}:{second}"] = columns[str(first)] * columns[str(second)]
    grouped = [name for name in columns if str(Component.PEER_GROUP) in name]
    return columns, grouped


Contrast = tuple[str, dict[str, float], Family | None, tuple[str, ...], tuple[str, ...]]


def planned_contrasts(protocol: Protocol, plan: AnalysisPlan) -> list[Contrast]:
    """(label, weights, family override, arms in the first group, arms in the second group)."""
    design = Design.from_protocol(protocol)
    rows: list[Contrast]
    if plan.factorial is not None:
        first, second = plan.factorial.factors
        rows = []
        for factor in (first, second):
            yes = tuple(a.name for a in protocol.arms if a.has(factor))
            no = tuple(a.name for a in protocol.arms if not a.has(factor))
            rows.append((f"main effect of {factor}", {str(factor): 1.0}, None, yes, no))
        return rows
    rows = [
        (f"{arm} vs {design.control}", {arm: 1.0}, None, (arm,), (design.control,))
        for arm in design.treatments
    ]
    for a, b in plan.secondary_contrasts:
        weights = {a: 1.0} if b == design.control else {a: 1.0, b: -1.0}
        if a == design.control:
            weights = {b: -1.0}
        rows.append((f"{a} vs {b}", weights, "secondary", (a,), (b,)))
    return rows


def finish(base: Result, value: ContrastValue, alpha: float, fit: Fitted) -> Result:
    """The contrast as reported, or not estimable when it has no finite interval."""
    # Groups only for contrasts that involve an arm with peer groups.
    base = replace(base, groups=fit.groups if value.clustered else None)
    if value.not_estimable is not None or value.estimate is None or value.se is None:
        return replace(base, not_estimable=value.not_estimable or NotEstimable("no estimate"))
    low, high = value.interval(1 - alpha)
    shown = reporting_scale(value.estimate, low, high, ratio=fit.ratio)
    if isinstance(shown, NotEstimable):
        return replace(base, not_estimable=shown)
    estimate, low, high = shown
    return replace(
        base,
        estimate=estimate,
        low=low,
        high=high,
        p_value=value.p_value(),
        df=value.df if value.clustered else None,
    )
