"""Lee (2009) bounds on the primary contrast among those observed, with a confidence interval
for the effect they bound (Imbens & Manski 2004, Econometrica 72:1845).

The arm that kept more participants observed is trimmed by the excess share, from the top
(lower bound) or the bottom (upper bound). Each bound's standard error comes from a bootstrap
that resamples peer groups whole (everyone outside a group alone), within each arm; the interval
[lower − C·SE_lower, upper + C·SE_upper] covers the effect with probability 95%, C solving
Φ(C + (upper − lower)/max(SE)) − Φ(−C) = 0.95 (1.645 for wide bounds, 1.96 for a point).
Draws come from a generator seeded by the outcome and contrast: a re-run gives the same numbers.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from scipy import optimize, stats  # type: ignore[import-untyped]

from experiments.analysis.design import Design
from experiments.analysis.models import NotEstimable
from experiments.protocol import OutcomeSpec, Protocol

__all__ = ["LeeBounds", "imbens_manski", "lee_bounds"]

REPLICATES = 500


@dataclass(frozen=True)
class LeeBounds:
    """Lee (2009) bounds on the difference among those observed, trimming the better-kept arm,
    and the Imbens–Manski confidence interval of the effect (None when it has none)."""

    outcome: OutcomeSpec
    contrast: str
    observed: tuple[float, float]  # share observed in the arm and in control
    low: float | None
    high: float | None
    scale: str
    not_estimable: NotEstimable | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    level: float = 0.95


def lee_bounds(
    frame: pd.DataFrame,
    protocol: Protocol,
    spec: OutcomeSpec,
    wave: int | None,
    *,
    level: float = 0.95,
    replicates: int = REPLICATES,
) -> list[LeeBounds]:
    """Lee bounds for the primary outcome, each arm vs control, with their interval.

    Observed: a follow-up score (questionnaires), else still reachable at the end of the window
    (counts and money as a rate per week or a mean; placement as a share).
    """
    design = Design.from_protocol(protocol)
    data = frame if spec.track is None else frame[frame["track"] == spec.track]
    if spec.kind == "questionnaire":
        column = f"followup{wave}_{spec.name}"
        if column not in data.columns:
            return []
        values = data[column]
        seen = values.notna()
        scale = "difference in mean score"
    else:
        values = data[spec.name] / data["exposure"] if spec.kind == "count" else data[spec.name]
        seen = ~data["lost"].astype(bool)
        scale = {
            "count": "difference in rate per week",
            "money": "difference in means",
            "binary": "difference in shares",
        }[spec.kind]
    groups = data["group"] if "group" in data.columns else pd.Series(pd.NA, index=data.index)
    rows = []
    for arm in design.treatments:
        treated, control = data["arm"] == arm, data["arm"] == design.control
        label = f"{arm} vs {design.control}"
        if treated.sum() < 2 or control.sum() < 2:
            too_little = NotEstimable("too little data: fewer than 2 in an arm")
            rows.append(LeeBounds(spec, label, (0.0, 0.0), None, None, scale, too_little))
            continue
        q_t, q_c = float(seen[treated].mean()), float(seen[control].mean())
        arms = [
            _Arm(values[mask].to_numpy(float), seen[mask].to_numpy(bool), _clusters(groups[mask]))
            for mask in (treated, control)
        ]
        if min(int(a.seen.sum()) for a in arms) < 2:
            too_few = NotEstimable("fewer than 2 observed in an arm")
            rows.append(LeeBounds(spec, label, (q_t, q_c), None, None, scale, too_few))
            continue
        low, high = _bounds(*arms)
        if not (math.isfinite(low) and math.isfinite(high)):
            unbounded = NotEstimable("the bounds are not finite numbers")
            rows.append(LeeBounds(spec, label, (q_t, q_c), None, None, scale, unbounded))
            continue
        seed = zlib.crc32(f"lee/{spec.name}/{wave}/{label}".encode())
        interval = _interval(arms, low, high, level, replicates, np.random.default_rng(seed))
        ci_low, ci_high = interval if interval is not None else (None, None)
        rows.append(
            LeeBounds(
                spec,
                label,
                (q_t, q_c),
                low,
                high,
                scale,
                ci_low=ci_low,
                ci_high=ci_high,
                level=level,
            )
        )
    return rows


@dataclass(frozen=True)
class _Arm:
    """One arm's outcomes, whether each was observed, and its clusters' row positions."""

    values: np.ndarray
    seen: np.ndarray
    clusters: list[np.ndarray]


def _clusters(groups: pd.Series) -> list[np.ndarray]:
    """Row positions per cluster: a peer group, or one participant outside any group."""
    labels = [f"g{g}" if pd.notna(g) else f"p{i}" for i, g in enumerate(groups.to_numpy())]
    codes = np.asarray(pd.factorize(pd.Series(labels, dtype=object))[0])
    order = np.argsort(codes, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(codes[order])) + 1)


def _bounds(treated: _Arm, control: _Arm) -> tuple[float, float]:
    q_t, q_c = float(treated.seen.mean()), float(control.seen.mean())
    y_t = np.sort(treated.values[treated.seen])
    y_c = np.sort(control.values[control.seen])
    if q_t >= q_c:
        keep = max(1, round(len(y_t) * q_c / q_t)) if q_t > 0 else len(y_t)
        return float(y_t[:keep].mean() - y_c.mean()), float(y_t[-keep:].mean() - y_c.mean())
    keep = max(1, round(len(y_c) * q_t / q_c)) if q_c > 0 else len(y_c)
    return float(y_t.mean() - y_c[-keep:].mean()), float(y_t.mean() - y_c[:keep].mean())


def _interval(
    arms: list[_Arm],
    low: float,
    high: float,
    level: float,
    replicates: int,
    rng: np.random.Generator,
) -> tuple[float, float] | None:
    """The Imbens–Manski interval from a cluster bootstrap of both bounds (None when too few
    replicates can be computed: fewer than 2 observed in an arm, again and again)."""
    draws = []
    for _ in range(replicates):
        resampled = []
        for arm in arms:
            picked = rng.integers(0, len(arm.clusters), len(arm.clusters))
            rows = np.concatenate([arm.clusters[i] for i in picked])
            resampled.append(_Arm(arm.values[rows], arm.seen[rows], []))
        if min(int(a.seen.sum()) for a in resampled) < 2:
            continue
        draws.append(_bounds(*resampled))
    if len(draws) < replicates // 2:
        return None
    spread = np.std(np.asarray(draws), axis=0, ddof=1)
    return imbens_manski(low, high, float(spread[0]), float(spread[1]), level)


def imbens_manski(
    low: float, high: float, se_low: float, se_high: float, level: float = 0.95
) -> tuple[float, float]:
    """Imbens & Manski's (2004) interval for a parameter in [low, high] with these SEs."""
    largest = max(se_low, se_high)
    if largest <= 0:
        return low, high
    width = max(0.0, high - low) / largest

    def gap(c: float) -> float:
        return float(stats.norm.cdf(c + width) - stats.norm.cdf(-c) - level)

    critical = float(optimize.brentq(gap, 0.0, float(stats.norm.ppf(1 - (1 - level) / 2)) + 1))
    return low - critical * se_low, high + critical * se_high
