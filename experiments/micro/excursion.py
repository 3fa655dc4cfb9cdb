"""Causal excursion effects of micro-randomized nudges, with standard errors robust to clustering.

The causal excursion effect of a nudge is the effect on the proximal outcome of sending it at a
decision point rather than not, among available decision points, marginal over everything else
the trial does (Boruvka et al. 2018). Two estimators, both centring the treatment indicator on
its known probability (so a misspecified model of the outcome without the nudge costs precision,
not bias):

- binary proximal outcome (e.g. a deposit within 24 hours): the estimator for marginal excursion
  effects on the log relative-risk scale, EMEE (Qian, Yoo, Klasnja, Almirall & Murphy 2021,
  Biometrika 108(3), 507-527), solved by Newton's method from a statsmodels Poisson fit;
- continuous or count outcome: weighted and centred least squares, WCLS (Boruvka, Almirall,
  Witkiewitz & Murphy 2018, JASA 113(523), 1112-1121), a statsmodels least-squares fit.

Both give a sandwich variance clustered by participant with the small-sample factor
n / (n - p) and t-based intervals on n - p degrees of freedom (p parameters). Each is fitted
twice: the marginal effect (S = 1) and its change over weeks (S = [1, week - 1]).

The randomization is checked per decision: among available decisions the number sent is a sum of
Bernoulli(p_t) draws, so its z-score against the planned probabilities shows a sample-ratio
mismatch (a bug in the sender, or decisions dropped).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
import statsmodels.api as sm  # type: ignore[import-untyped]
from numpy.typing import NDArray
from scipy import stats  # type: ignore[import-untyped]

__all__ = [
    "METHOD_CITATIONS",
    "ExcursionAnalysis",
    "ExcursionEstimate",
    "RandomizationCheck",
    "analyse_decisions",
    "emee",
    "randomization_check",
    "wcls",
]

Array = NDArray[np.float64]
Scale = Literal["binary", "count"]

METHOD_CITATIONS = {
    "EMEE": (
        "Qian T, Yoo H, Klasnja P, Almirall D, Murphy SA (2021). Estimating time-varying causal "
        "excursion effects in mobile health with binary outcomes. Biometrika 108(3):507-527."
    ),
    "WCLS": (
        "Boruvka A, Almirall D, Witkiewitz K, Murphy SA (2018). Assessing time-varying causal "
        "effect moderation in mobile health. J Am Stat Assoc 113(523):1112-1121."
    ),
    "MRT": (
        "Klasnja P, Hekler EB, Shiffman S, et al. (2015). Microrandomized trials: an "
        "experimental design for developing just-in-time adaptive interventions. Health "
        "Psychol 34(S):1220-1228."
    ),
}


@dataclass(frozen=True)
class ExcursionEstimate:
    """One coefficient of the excursion effect, on the estimator's scale."""

    term: str
    estimate: float
    se: float
    low: float
    high: float
    p_value: float

    def ratio(self) -> tuple[float, float, float]:
        """exp of estimate and interval (a relative risk, for EMEE)."""
        return math.exp(self.estimate), math.exp(self.low), math.exp(self.high)


@dataclass(frozen=True)
class Fit:
    coefficients: Array  # the effect part (beta) only
    covariance: Array
    df: int


def _estimates(fit: Fit, terms: Sequence[str], level: float = 0.95) -> list[ExcursionEstimate]:
    quantile = float(stats.t.ppf(0.5 + level / 2, fit.df))
    found = []
    for index, term in enumerate(terms):
        value = float(fit.coefficients[index])
        se = math.sqrt(max(float(fit.covariance[index, index]), 0.0))
        t = value / se if se > 0 else math.inf
        p = float(2 * stats.t.sf(abs(t), fit.df)) if se > 0 else 0.0
        found.append(
            ExcursionEstimate(term, value, se, value - quantile * se, value + quantile * se, p)
        )
    return found


def _clusters(ids: NDArray[np.int64]) -> tuple[NDArray[np.int64], int]:
    _, inverse = np.unique(ids, return_inverse=True)
    return inverse.astype(np.int64), int(inverse.max()) + 1 if len(inverse) else 0


def _tilde(a: Array, p: Array, numerator: float | Array | None) -> tuple[Array, Array]:
    """The numerator probability p-tilde and the weights W = (p~/p)^A ((1 - p~)/(1 - p))^(1 - A).

    With p-tilde = p (the default) every weight is 1. A p-tilde that does not depend on the
    history (e.g. the average probability) makes the estimand the fully marginal excursion effect
    when the probabilities vary by week, as in MRTAnalysis (`rand_prob_tilde`)."""
    tilde = p if numerator is None else np.broadcast_to(np.asarray(numerator, float), p.shape)
    if np.any((tilde <= 0) | (tilde >= 1)):
        raise ValueError("the numerator probability must lie strictly between 0 and 1")
    weight = np.where(a > 0.5, tilde / p, (1 - tilde) / (1 - p))
    return tilde, weight


def emee(
    y: Array,
    a: Array,
    p: Array,
    ids: NDArray[np.int64],
    g: Array,
    s: Array,
    *,
    numerator: float | Array | None = None,
    iterations: int = 50,
) -> Fit:
    """EMEE over available decisions only, with numerator probability p-tilde (default p).

    Solves sum_t W exp(-A S'b) (Y - exp(G'a + A S'b)) [G; (A - p~) S] = 0 for (a, b)."""
    columns_g, columns_s = g.shape[1], s.shape[1]
    tilde, w = _tilde(a, p, numerator)
    start = sm.GLM(
        y, np.hstack([g, a[:, None] * s]), family=sm.families.Poisson(), var_weights=w
    ).fit()
    theta = np.asarray(start.params, dtype=float)
    design = np.hstack([g, (a - tilde)[:, None] * s])

    def parts(theta: Array) -> tuple[Array, Array]:
        alpha, beta = theta[:columns_g], theta[columns_g:]
        base = np.exp(g @ alpha)
        shifted = np.exp(-a * (s @ beta)) * y
        residual = w * (shifted - base)  # = W exp(-A S'b)(Y - exp(G'a + A S'b))
        bread = np.hstack([-(design.T * (w * base)) @ g, -(design.T * (w * a * shifted)) @ s])
        return residual, bread

    for _ in range(iterations):
        residual, bread = parts(theta)
        step = np.linalg.solve(bread, design.T @ residual)
        theta = theta - step
        if np.max(np.abs(step)) < 1e-10:
            break
    residual, bread = parts(theta)
    return _sandwich(theta, design * residual[:, None], bread, ids, columns_g, columns_s)


def wcls(
    y: Array,
    a: Array,
    p: Array,
    ids: NDArray[np.int64],
    g: Array,
    s: Array,
    *,
    numerator: float | Array | None = None,
) -> Fit:
    """WCLS: weighted least squares of Y on [G, (A - p~) S] with weights W, clustered."""
    columns_g, columns_s = g.shape[1], s.shape[1]
    tilde, w = _tilde(a, p, numerator)
    design = np.hstack([g, (a - tilde)[:, None] * s])
    fitted = sm.WLS(y, design, weights=w).fit()
    theta = np.asarray(fitted.params, dtype=float)
    residual = w * (y - design @ theta)
    bread = -((design.T * w) @ design)
    return _sandwich(theta, design * residual[:, None], bread, ids, columns_g, columns_s)


def _sandwich(
    theta: Array,
    scores: Array,
    bread: Array,
    ids: NDArray[np.int64],
    columns_g: int,
    columns_s: int,
) -> Fit:
    cluster, count = _clusters(ids)
    per_person = np.zeros((count, scores.shape[1]))
    np.add.at(per_person, cluster, scores)
    meat = per_person.T @ per_person
    parameters = columns_g + columns_s
    factor = count / max(count - parameters, 1)
    inverse = np.linalg.inv(bread)
    covariance = factor * inverse @ meat @ inverse.T
    effect = slice(columns_g, parameters)
    return Fit(theta[effect], covariance[effect, effect], max(count - parameters, 1))


@dataclass(frozen=True)
class RandomizationCheck:
    """Realised share sent against the planned probability, among available decisions."""

    available: int
    sent: int
    planned: float  # expected number sent, the sum of the probabilities
    z: float
    p_value: float

    @property
    def realised_share(self) -> float:
        return self.sent / self.available if self.available else math.nan

    @property
    def planned_share(self) -> float:
        return self.planned / self.available if self.available else math.nan


def randomization_check(available: pd.DataFrame) -> RandomizationCheck:
    """The per-decision SRM check: sent ~ sum of Bernoulli(probability)."""
    p = available["probability"].to_numpy(dtype=float)
    sent = int(available["sent"].astype(bool).sum())
    planned = float(p.sum())
    spread = math.sqrt(float((p * (1 - p)).sum())) if len(p) else 0.0
    z = (sent - planned) / spread if spread > 0 else 0.0
    return RandomizationCheck(len(p), sent, planned, z, float(2 * stats.norm.sf(abs(z))))


@dataclass(frozen=True)
class ExcursionAnalysis:
    """The causal excursion effect of one component on the proximal outcome."""

    method: Literal["EMEE", "WCLS"]
    scale: str  # "log relative risk" or "difference"
    marginal: ExcursionEstimate
    week_one: ExcursionEstimate
    per_week: ExcursionEstimate
    participants: int
    decisions: int
    available: int
    check: RandomizationCheck
    by_week: pd.DataFrame  # week, available, availability, planned, realised share sent

    @property
    def availability_rate(self) -> float:
        return self.available / self.decisions if self.decisions else math.nan


def analyse_decisions(
    decisions: pd.DataFrame,
    scale: Scale,
    controls: Sequence[str] = ("week",),
    numerator: float | None = None,
) -> ExcursionAnalysis:
    """EMEE (binary) or WCLS (count) on a decision table with the columns participant,
    week, available, probability, sent, outcome, and the numeric `controls` (e.g. week,
    prior_outcome), which form the model of the outcome without the nudge. `numerator` is the
    numerator probability p-tilde (default: each decision's own probability)."""
    frame = decisions.copy()
    frame["available"] = frame["available"].astype(bool)
    frame["sent"] = frame["sent"].astype(bool)
    frame["planned"] = frame["probability"].where(frame["available"])
    weeks = (
        frame.groupby("week")
        .agg(
            decisions=("available", "size"),
            available=("available", "sum"),
            planned=("planned", "mean"),
            sent=("sent", "sum"),
        )
        .reset_index()
    )
    weeks["availability"] = weeks["available"] / weeks["decisions"]
    weeks["realised"] = weeks["sent"] / weeks["available"].where(weeks["available"] > 0)
    used = frame[frame["available"] & frame["outcome"].notna()]
    y = used["outcome"].to_numpy(dtype=float)
    a = used["sent"].to_numpy(dtype=float)
    p = used["probability"].to_numpy(dtype=float)
    ids = used["participant"].to_numpy()
    ids = pd.factorize(ids)[0].astype(np.int64)
    week = used["week"].to_numpy(dtype=float) - 1
    g = np.column_stack(
        [np.ones(len(used))] + [used[name].to_numpy(dtype=float) for name in controls]
    )
    marginal_s = np.ones((len(used), 1))
    moderated_s = np.column_stack([np.ones(len(used)), week])
    fit = emee if scale == "binary" else wcls
    marginal = _estimates(fit(y, a, p, ids, g, marginal_s, numerator=numerator), ["marginal"])[0]
    week_one, per_week = _estimates(
        fit(y, a, p, ids, g, moderated_s, numerator=numerator), ["week 1", "change per week"]
    )
    return ExcursionAnalysis(
        method="EMEE" if scale == "binary" else "WCLS",
        scale="log relative risk" if scale == "binary" else "difference",
        marginal=marginal,
        week_one=week_one,
        per_week=per_week,
        participants=int(frame["participant"].nunique()),
        decisions=len(frame),
        available=int(frame["available"].sum()),
        check=randomization_check(frame[frame["available"]]),
        by_week=weeks,
    )
