"""A non-response-adjusted estimate by double sampling (Hansen & Hurwitz 1946).

At a questionnaire wave, the people of an arm fall into two strata: those who answered by
themselves (responders) and those still silent after the automated reminders (non-responders,
each drawn for a follow-up call). A random share of the non-responders was followed up by a
person; the answers of those reached stand for the whole non-responder stratum of their arm.

Each arm's mean is then a weighted mean: responders weigh 1, a followed-up non-responder who
answered weighs n2 / r2 (the arm's non-responders over those of them followed up and answering:
1 / share when everyone chosen answers), a non-responder not chosen (or not reached) weighs 0.
With a random subsample this is unbiased for the arm's mean whatever made people not respond,
whereas the complete cases (everyone who answered, unweighted) under-represent the
non-responders. The variance is the double-sampling one (Cochran 1977, §13.2):
V = S²/n + W2 (k - 1) s2² / n, with W2 = n2 / n the non-response share, k = n2 / r2 and S² the
variance over the arm (within and between the strata); arms are independent, the interval
normal.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from scipy import stats  # type: ignore[import-untyped]

__all__ = [
    "ArmEstimate",
    "DoubleSample",
    "arm_estimate",
    "complete_case_contrast",
    "double_sampling_contrast",
    "double_sampling_frame",
    "simulate_double_sampling",
]


@dataclass(frozen=True)
class ArmEstimate:
    """One arm's mean with its variance, and who it rests on."""

    mean: float | None
    variance: float | None
    responders: int  # n1: answered by themselves
    non_responders: int  # n2: drawn for a follow-up call
    followed_up: int  # r2: chosen and answering (any mode)


@dataclass(frozen=True)
class DoubleSample:
    """A difference in means between two arms with its normal interval and p value."""

    estimate: float | None
    se: float | None
    low: float | None
    high: float | None
    p_value: float | None
    first: ArmEstimate
    second: ArmEstimate


def double_sampling_frame(
    frame: pd.DataFrame, calls: pd.DataFrame | None, wave: int, column: str
) -> pd.DataFrame:
    """Per analysed person: arm, the outcome `y` (missing when not answered), whether they were a
    non-responder of `wave` (drawn) and whether they were chosen for a call."""
    data = pd.DataFrame({"arm": frame["arm"].to_numpy(), "y": frame[column].to_numpy()})
    drawn: dict[str, bool] = {}
    if calls is not None and not calls.empty:
        mine = calls[(calls["wave"] == wave) & calls["selected"].notna()]
        drawn = dict(zip(mine["pseudonym"], mine["selected"].astype(bool), strict=True))
    pseudonyms = frame["pseudonym"]
    data["non_responder"] = pseudonyms.isin(drawn.keys()).to_numpy()
    data["chosen"] = np.array([drawn.get(p, False) for p in pseudonyms], dtype=bool)
    return data


def arm_estimate(y: np.ndarray, non_responder: np.ndarray, chosen: np.ndarray) -> ArmEstimate:
    """One arm's double-sampling mean: `y` NaN where not answered; booleans per person."""
    answered = ~np.isnan(y)
    first = y[answered & ~non_responder]
    second = y[answered & non_responder & chosen]
    n1, n2, r2 = len(first), int(non_responder.sum()), len(second)
    if n1 + n2 == 0 or (n2 > 0 and r2 == 0) or n1 + r2 < 2:
        return ArmEstimate(None, None, n1, n2, r2)
    n = n1 + n2
    w1, w2 = n1 / n, n2 / n
    mean1 = float(first.mean()) if n1 else 0.0
    mean2 = float(second.mean()) if r2 else 0.0
    mean = w1 * mean1 + w2 * mean2
    s1 = float(first.var(ddof=1)) if n1 > 1 else 0.0
    s2 = float(second.var(ddof=1)) if r2 > 1 else 0.0
    spread = w1 * s1 + w2 * s2 + w1 * (mean1 - mean) ** 2 + w2 * (mean2 - mean) ** 2
    k = n2 / r2 if r2 else 1.0
    variance = spread / n + w2 * (k - 1) * s2 / n
    return ArmEstimate(mean, variance, n1, n2, r2)


def _contrast(first: ArmEstimate, second: ArmEstimate, alpha: float) -> DoubleSample:
    if first.mean is None or second.mean is None:
        return DoubleSample(None, None, None, None, None, first, second)
    assert first.variance is not None
    assert second.variance is not None
    estimate = first.mean - second.mean
    se = math.sqrt(first.variance + second.variance)
    if not se > 0:
        return DoubleSample(estimate, None, None, None, None, first, second)
    z = float(stats.norm.ppf(1 - alpha / 2))
    p = float(2 * stats.norm.sf(abs(estimate) / se))
    return DoubleSample(estimate, se, estimate - z * se, estimate + z * se, p, first, second)


def double_sampling_contrast(
    data: pd.DataFrame, ones: Sequence[str], others: Sequence[str], alpha: float = 0.05
) -> DoubleSample:
    """The double-sampling difference in means of arms `ones` minus arms `others`."""
    return _contrast(_arms(data, ones, weighted=True), _arms(data, others, weighted=True), alpha)


def complete_case_contrast(
    data: pd.DataFrame, ones: Sequence[str], others: Sequence[str], alpha: float = 0.05
) -> DoubleSample:
    """The same difference over everyone who answered, unweighted (the complete cases)."""
    return _contrast(_arms(data, ones, weighted=False), _arms(data, others, weighted=False), alpha)


def _arms(data: pd.DataFrame, arms: Sequence[str], *, weighted: bool) -> ArmEstimate:
    part = data[data["arm"].isin(arms)]
    y = part["y"].to_numpy(dtype="float64")
    if weighted:
        return arm_estimate(y, part["non_responder"].to_numpy(), part["chosen"].to_numpy())
    nobody = np.zeros(len(y), dtype=bool)
    return arm_estimate(y, nobody, nobody)


def simulate_double_sampling(
    rng: np.random.Generator,
    per_arm: int,
    effect: float,
    share: float,
    *,
    reached: float = 0.9,
    selection: float = 1.5,
) -> pd.DataFrame:
    """A two-arm wave where whether people answer depends on their own outcome, differently by
    arm (not at random: the complete cases are biased): control answers less often, and less
    often the higher their score. Non-responders are drawn with `share`, and a chosen one is
    reached with `reached` (at random). Columns as `double_sampling_frame` gives them; the arms
    are "control" and "treatment", whose true means differ by `effect`."""
    frames = []
    for arm, shift, baseline_odds in (("control", 0.0, 0.0), ("treatment", effect, 1.0)):
        y = rng.normal(shift, 1.0, per_arm)
        answers = rng.random(per_arm) < 1 / (1 + np.exp(-(baseline_odds - selection * y)))
        chosen = ~answers & (rng.random(per_arm) < share)
        observed = answers | (chosen & (rng.random(per_arm) < reached))
        frames.append(
            pd.DataFrame(
                {
                    "arm": arm,
                    "y": np.where(observed, y, np.nan),
                    "non_responder": ~answers,
                    "chosen": chosen,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
