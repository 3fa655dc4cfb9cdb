"""Simulated micro-randomized trials with a known proximal effect, for validity and the demo.

Each person has a base chance of the proximal outcome (uniform between `base_low` and
`base_high`) at every decision point; they are available with probability `availability`; a
nudge, sent with the protocol's probability, multiplies the chance by the relative risk
rr * exp(decay * (week - 1)). Outcomes of different decision points are independent given the
person, so the truth on EMEE's scale is known exactly: the log relative risk in week 1 is
log(rr), its change per week is `decay`, and the marginal effect is
log(sum_t w_t RR_t / sum_t w_t) with w_t = p_t (1 - p_t) times the chance of being available
(see `true_marginal`). This is a simulator: it draws with numpy, never the trial's seed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

__all__ = ["MrtDesign", "simulate_decisions", "true_marginal"]


@dataclass(frozen=True)
class MrtDesign:
    participants: int = 60
    days: int = 42
    probabilities: Sequence[float] = (0.6, 0.6, 0.5, 0.5, 0.4, 0.4)
    availability: float = 0.8
    base_low: float = 0.10
    base_high: float = 0.30
    rr: float = 1.3
    decay: float = -0.05  # change in log relative risk per week
    # "binary": a deposit within the window (EMEE, log relative risk); "continuous": an amount
    # with a person effect and unit noise, the nudge adding `difference` + `slope` (week - 1)
    # (WCLS, difference scale)
    scale: str = "binary"
    difference: float = 0.3
    slope: float = -0.03

    def probability(self, week: int) -> float:
        return self.probabilities[min(week, len(self.probabilities)) - 1]

    def relative_risk(self, week: int) -> float:
        return self.rr * math.exp(self.decay * (week - 1))

    def null(self) -> MrtDesign:
        return dataclasses.replace(self, rr=1.0, decay=0.0, difference=0.0, slope=0.0)

    def effect(self, week: int) -> float:
        """The nudge's effect in a week on the design's scale (log RR, or a difference)."""
        if self.scale == "binary":
            return math.log(self.relative_risk(week))
        return self.difference + self.slope * (week - 1)


def true_marginal(design: MrtDesign) -> float:
    """The marginal excursion effect the simulation implies: log of the p(1 - p)-weighted mean
    relative risk (binary), or the p(1 - p)-weighted mean difference (continuous)."""
    weeks = [d // 7 + 1 for d in range(design.days)]
    weights = [design.probability(w) * (1 - design.probability(w)) for w in weeks]
    if design.scale != "binary":
        effects = [design.effect(w) for w in weeks]
        return sum(w * e for w, e in zip(weights, effects, strict=True)) / sum(weights)
    risks = [design.relative_risk(w) for w in weeks]
    return math.log(sum(w * r for w, r in zip(weights, risks, strict=True)) / sum(weights))


def simulate_decisions(design: MrtDesign, rng: np.random.Generator) -> pd.DataFrame:
    """One simulated trial's decision table (participant, day, week, available, probability,
    sent, outcome, prior_outcome)."""
    people, days = design.participants, design.days
    participant = np.repeat(np.arange(people), days)
    day = np.tile(np.arange(days), people)
    week = day // 7 + 1
    base = np.repeat(rng.uniform(design.base_low, design.base_high, people), days)
    available = rng.random(people * days) < design.availability
    probability = np.array([design.probability(int(w)) for w in week])
    sent = available & (rng.random(people * days) < probability)
    if design.scale == "binary":
        risk = np.array([design.relative_risk(int(w)) for w in week])
        chance = base * np.where(sent, risk, 1.0)
        outcome = (rng.random(people * days) < chance).astype(float)
    else:
        person = np.repeat(rng.normal(0.0, 1.0, people), days)
        effect = np.array([design.effect(int(w)) for w in week])
        noise = rng.normal(0.0, 1.0, people * days)
        outcome = 10 * base + person + np.where(sent, effect, 0.0) + noise
    prior = np.zeros(people * days)
    prior[1:] = outcome[:-1]
    prior[day == 0] = 0.0
    return pd.DataFrame(
        {
            "participant": participant,
            "day": day,
            "week": week,
            "available": available,
            "probability": probability,
            "sent": sent,
            "outcome": outcome,
            "prior_outcome": prior,
        }
    )


@dataclass(frozen=True)
class ExcursionValidity:
    """Recovery of one excursion-effect term over simulated trials."""

    scenario: str
    term: str
    truth: float
    trials: int
    mean: float
    sd: float
    covered: float
    rejected: float

    @property
    def bias(self) -> float:
        return self.mean - self.truth

    @property
    def bias_se(self) -> float:
        return self.sd / math.sqrt(self.trials)

    @property
    def covered_se(self) -> float:
        return math.sqrt(self.covered * (1 - self.covered) / self.trials)

    @property
    def rejected_se(self) -> float:
        return math.sqrt(max(self.rejected * (1 - self.rejected), 0.05 * 0.95) / self.trials)

    @property
    def bias_ok(self) -> bool:
        return abs(self.bias) <= 2 * self.bias_se

    @property
    def coverage_ok(self) -> bool:
        return self.covered >= 0.95 - 2 * math.sqrt(0.95 * 0.05 / self.trials)

    @property
    def type_one_ok(self) -> bool | None:
        if self.truth != 0:
            return None
        return self.rejected <= 0.05 + 2 * math.sqrt(0.95 * 0.05 / self.trials)


def excursion_validity(
    design: MrtDesign, trials: int, seed: int, scenario: str = "alternative"
) -> list[ExcursionValidity]:
    """Simulate `trials` MRTs and analyse each with EMEE (binary) or WCLS (continuous):
    marginal, week 1, change per week."""
    from experiments.micro.excursion import analyse_decisions

    rng = np.random.default_rng(seed)
    binary = design.scale == "binary"
    truths = {
        "marginal": true_marginal(design),
        "week 1": design.effect(1),
        "change per week": design.decay if binary else design.slope,
    }
    found: dict[str, list[tuple[float, bool, bool]]] = {term: [] for term in truths}
    for _ in range(trials):
        result = analyse_decisions(
            simulate_decisions(design, rng),
            "binary" if binary else "count",
            ("week", "prior_outcome"),
        )
        for estimate in (result.marginal, result.week_one, result.per_week):
            truth = truths[estimate.term]
            found[estimate.term].append(
                (
                    estimate.estimate,
                    estimate.low <= truth <= estimate.high,
                    estimate.p_value < 0.05,
                )
            )
    rows = []
    for term, values in found.items():
        estimates = np.array([value for value, _, _ in values])
        rows.append(
            ExcursionValidity(
                scenario,
                term,
                truths[term],
                trials,
                float(estimates.mean()),
                float(estimates.std(ddof=1)),
                float(np.mean([covered for _, covered, _ in values])),
                float(np.mean([rejected for _, _, rejected in values])),
            )
        )
    return rows
