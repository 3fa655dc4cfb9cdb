"""One simulated trial at the analysis level (no raw rows), for design power and validity."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

__all__ = ["DesignSimulation", "frailty_variance", "simulate_design"]


@dataclass(frozen=True)
class DesignSimulation:
    """One simulated trial at the analysis level, for power and validity (no raw rows).

    `effects` are per arm: a standardized shift (normal and questionnaire outcomes) or a log
    ratio (counts, binary). Arms in `grouped` form groups of random sizes between `group_min`
    and `group_max`; a remainder too small for a group, and `unplaced_share` of the arm, stay
    out of any group (clusters of one). `icc` is the share of the outcome's variance between
    groups (counts and binary outcomes get the log-scale group frailty that gives it in
    control, `frailty_variance`). Counts: Poisson with `base_rate` events per week over an
    exposure between ⅔ of `exposure_weeks` and all of it, times a person-level gamma frailty of
    variance `dispersion`; binary: risk `base_risk`.
    """

    weights: Mapping[str, int]
    participants: int
    effects: Mapping[str, float] = field(default_factory=dict)
    grouped: Sequence[str] = ()
    icc: float = 0.0
    group_min: int = 10
    group_max: int = 15
    unplaced_share: float = 0.05
    kind: str = "money"
    base_rate: float = 1.0
    base_risk: float = 0.2
    dispersion: float = 0.3
    exposure_weeks: float = 12.0


def frailty_variance(s: DesignSimulation) -> float:
    """The variance of the log-scale group frailty that makes `s.icc` the intra-class
    correlation of control's counts or shares (money and questionnaires: `s.icc` itself).

    With frailty e^f (mean 1, variance u), a count of mean m and person-level dispersion φ has
    between-group variance m²u and total m + m²((1 + φ)(1 + u) − 1); a share p has p²u of p(1 − p).
    """
    if s.kind == "count":
        mean = s.base_rate * s.exposure_weeks * 5 / 6
        rest = 1 - s.icc * (1 + s.dispersion)
        if rest <= 0:
            raise ValueError(f"an ICC of {s.icc:g} is more than counts of this dispersion allow")
        return math.log1p(s.icc * (1 / mean + s.dispersion) / rest)
    if s.kind == "binary":
        return math.log1p(s.icc * (1 - s.base_risk) / s.base_risk)
    return s.icc


def simulate_design(s: DesignSimulation, rng: np.random.Generator) -> pd.DataFrame:
    """Participants with arm, strata (age band, site), group, exposure and outcome `y`."""
    n = s.participants
    total = sum(s.weights.values())
    labels = [arm for arm, w in s.weights.items() for _ in range(w)]
    arms = np.array((labels * (n // total + 1))[:n])
    rng.shuffle(arms)
    columns: dict[str, object] = {
        "arm": arms,
        "age_band": rng.choice(["16-20", "21-25", "26-35", "36-49", "50-67"], n),
        "site": rng.choice(["Utrecht", "Zwolle"], n),
    }
    group = np.full(n, -1)
    next_id = 0
    for arm in s.grouped:
        members = np.flatnonzero(arms == arm)
        members = members[rng.random(len(members)) >= s.unplaced_share]
        rng.shuffle(members)
        start = 0
        while True:
            size = int(rng.integers(s.group_min, s.group_max, endpoint=True))
            if len(members) - start < s.group_min:
                break
            chunk = members[start : start + size]
            group[chunk] = next_id
            next_id += 1
            start += len(chunk)
    columns["group"] = pd.arrays.IntegerArray(group.astype("int64"), group < 0)
    shift = np.array([s.effects.get(a, 0.0) for a in arms], dtype=float)
    between = np.zeros(n)
    if next_id:
        draws = rng.normal(0, 1, next_id)
        between = np.where(group >= 0, draws[np.maximum(group, 0)], 0.0)
    icc = s.icc
    if s.kind in ("money", "questionnaire"):
        within = rng.normal(0, 1, n)
        if s.kind == "questionnaire":
            baseline = rng.normal(0, 1, n)
            columns["baseline"] = baseline
            noise = 0.6 * baseline + math.sqrt(max(1e-9, 1 - 0.36 - icc)) * within
        else:
            noise = math.sqrt(1 - icc) * within
        # People outside groups have the same total variance as group members.
        extra = np.where(group >= 0, math.sqrt(icc) * between, math.sqrt(icc) * rng.normal(0, 1, n))
        columns["y"] = shift + noise + extra
        columns["exposure"] = 1.0
        return pd.DataFrame(columns)
    # Counts and binary outcomes: a group frailty on the log scale, mean 1 on the outcome's scale.
    sigma2 = frailty_variance(s)
    frailty = np.where(
        group >= 0, math.sqrt(sigma2) * between, math.sqrt(sigma2) * rng.normal(0, 1, n)
    )
    frailty -= sigma2 / 2
    if s.kind == "count":
        exposure = rng.uniform(s.exposure_weeks * 2 / 3, s.exposure_weeks, n)
        phi = s.dispersion
        person = rng.gamma(1 / phi, phi, n) if phi > 0 else np.ones(n)
        columns["exposure"] = exposure
        columns["y"] = rng.poisson(s.base_rate * exposure * person * np.exp(shift + frailty))
    else:
        risk = np.minimum(1.0, s.base_risk * np.exp(shift + frailty))
        columns["y"] = (rng.random(n) < risk).astype(float)
        columns["exposure"] = 1.0
    return pd.DataFrame(columns)
