"""Intra-class correlation of outcomes within peer groups: ICC(1) and its F-based interval."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from scipy import stats  # type: ignore[import-untyped]

from experiments.analysis.design import Design
from experiments.analysis.outcome_frame import outcome_sample
from experiments.protocol import AnalysisPlan, OutcomeSpec, Protocol, resolve_outcome

__all__ = ["IccEstimate", "icc", "icc_estimates", "icc_with_ci"]


def icc(values: Sequence[float] | pd.Series, groups: Sequence[object] | pd.Series) -> float | None:
    """One-way ANOVA intra-class correlation ICC(1); None with fewer than 2 groups of 2+."""
    frame = pd.DataFrame({"y": np.asarray(values, dtype=float), "g": list(groups)}).dropna()
    sizes = frame.groupby("g")["y"].size()
    k, n = len(sizes), len(frame)
    if k < 2 or n <= k or (sizes >= 2).sum() < 2:
        return None
    means = frame.groupby("g")["y"].transform("mean")
    ssb = float(((means - frame["y"].mean()) ** 2).sum())
    ssw = float(((frame["y"] - means) ** 2).sum())
    msb, msw = ssb / (k - 1), ssw / (n - k)
    n0 = (n - float((sizes**2).sum()) / n) / (k - 1)
    denominator = msb + (n0 - 1) * msw
    return None if denominator <= 0 else (msb - msw) / denominator


@dataclass(frozen=True)
class IccEstimate:
    """The ICC(1) of an outcome among one arm's group members, with its 95% CI (F method)."""

    outcome: OutcomeSpec
    arm: str
    groups: int
    members: int
    icc: float | None
    low: float | None
    high: float | None


def icc_with_ci(
    values: pd.Series, groups: pd.Series, level: float = 0.95
) -> tuple[float | None, float | None, float | None]:
    """ICC(1) from one-way ANOVA with the F-based confidence interval (Searle 1971)."""
    frame = pd.DataFrame({"y": np.asarray(values, float), "g": list(groups)}).dropna()
    sizes = frame.groupby("g")["y"].size()
    k, n = len(sizes), len(frame)
    if k < 2 or n <= k or (sizes >= 2).sum() < 2:
        return None, None, None
    means = frame.groupby("g")["y"].transform("mean")
    msb = float(((means - frame["y"].mean()) ** 2).sum()) / (k - 1)
    msw = float(((frame["y"] - means) ** 2).sum()) / (n - k)
    n0 = (n - float((sizes**2).sum()) / n) / (k - 1)
    if msw <= 0 or msb + (n0 - 1) * msw <= 0:
        return None, None, None
    f = msb / msw
    icc = (msb - msw) / (msb + (n0 - 1) * msw)
    tail = (1 - level) / 2
    f_low = f / float(stats.f.ppf(1 - tail, k - 1, n - k))
    f_high = f * float(stats.f.ppf(1 - tail, n - k, k - 1))
    low = (f_low - 1) / (f_low + n0 - 1)
    high = (f_high - 1) / (f_high + n0 - 1)
    return icc, max(low, -1 / (n0 - 1) if n0 > 1 else low), min(high, 1.0)


def icc_estimates(
    frame: pd.DataFrame, protocol: Protocol, plan: AnalysisPlan, wave: int | None
) -> list[IccEstimate]:
    """The ICC of each planned outcome among members of each arm with peer groups."""
    design = Design.from_protocol(protocol)
    rows = []
    for name in plan.outcomes:
        spec = resolve_outcome(name, protocol)
        if spec is None:
            continue
        data, column = outcome_sample(frame, spec, wave)
        for arm in design.grouped_arms:
            members = data[(data["arm"] == arm) & data["group"].notna()]
            values = (
                members[column] / members["exposure"] if spec.kind == "count" else members[column]
            )
            icc, low, high = icc_with_ci(values, members["group"])
            groups = int(members["group"].nunique())
            rows.append(IccEstimate(spec, arm, groups, len(members), icc, low, high))
    return rows
