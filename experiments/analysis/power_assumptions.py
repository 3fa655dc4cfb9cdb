"""What the sample size assumes about the primary outcome, on its own scale.

A count is simulated as Poisson events over each participant's exposure with a person-level
gamma frailty (and a log-normal one of variance ICC, by group or by person), and powered for a
rate ratio; a binary outcome for a risk ratio; money and questionnaires for a standardized
difference (questionnaires with a baseline score correlated 0.6, which the ANCOVA uses).

The normal approximation beside a simulation is a two-sample t-test on the outcome itself: the
difference in means over the pooled SD of the two arms, a count's variance m + m²((1 + φ)(1 + u)
− 1) at mean m (u the group frailty's variance that gives the plan's ICC in control), a share's
p(1 − p). When the plan gives no ratio, the ratio is the one whose
standardized difference so defined is the plan's `effect_size`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from experiments.analysis.design_simulation import DesignSimulation, frailty_variance
from experiments.protocol import AnalysisPlan, OutcomeKind, Protocol, resolve_outcome

__all__ = ["PrimaryAssumptions", "primary_assumptions"]

SECONDS_PER_WEEK = 7 * 24 * 3600


@dataclass(frozen=True)
class PrimaryAssumptions:
    """The primary outcome's type, its effect on the model's scale, and the same effect
    standardized (for the normal approximation), with the words that say so."""

    outcome: str
    kind: OutcomeKind
    effect: float  # log ratio (counts, binary) or standardized difference
    standardized: float  # the normal approximation's d (control's SD)
    weeks: float  # the window's length in weeks: exposure runs over ⅔ of it to all of it
    text: str
    track: str | None = None  # the only track that records it
    share: float = 1.0  # of participants in that track
    problem: str | None = None  # why the effect has no value on the outcome's scale

    def analysed(self, participants: int) -> int:
        """How many of `participants` the primary's analysis has: its track's share."""
        return max(1, round(participants * self.share))

    def who(self, participants: int) -> str:
        """Who is in the primary's analysis, in words."""
        if self.track is None:
            return f"{participants} participants"
        return (
            f"{participants} participants, {self.analysed(participants)} of them "
            f"({self.share:.0%}) in the {self.track} track, which {self.outcome} is measured in"
        )


def primary_assumptions(protocol: Protocol, plan: AnalysisPlan) -> PrimaryAssumptions:
    """The plan's primary, its type and the effect `lotgenoot power --protocol` simulates.

    When the plan's effect has no value on the outcome's scale (a standardized effect more than
    such counts or shares can show), `problem` says why and the effect is not a number.
    """
    spec = resolve_outcome(plan.primary, protocol)
    kind: OutcomeKind = spec.kind if spec is not None else "money"
    try:
        found = _on_its_scale(plan, kind)
    except ValueError as error:
        weeks = plan.follow_up.total_seconds() / SECONDS_PER_WEEK
        d = plan.effect_size
        found = PrimaryAssumptions(
            plan.primary, kind, math.nan, d, weeks, str(error), problem=str(error)
        )
    if spec is None or spec.track is None:
        return found
    return replace(found, track=spec.track, share=plan.track_share)


def _on_its_scale(plan: AnalysisPlan, kind: OutcomeKind) -> PrimaryAssumptions:
    weeks = plan.follow_up.total_seconds() / SECONDS_PER_WEEK
    d = plan.effect_size
    if kind == "count":
        mean = plan.base_rate * weeks * 5 / 6  # the mean exposure, in events
        frailty = frailty_variance(
            DesignSimulation(
                {},
                0,
                icc=plan.icc,
                kind="count",
                base_rate=plan.base_rate,
                dispersion=plan.dispersion,
                exposure_weeks=weeks,
            )
        )
        inflate = (1 + plan.dispersion) * math.exp(frailty) - 1

        def count_d(ratio: float) -> float:
            variances = [m + inflate * m * m for m in (mean, mean * ratio)]
            return mean * (ratio - 1) / math.sqrt(sum(variances) / 2)

        ratio = plan.rate_ratio or _solve(count_d, d, "a count of this dispersion", "rate_ratio")
        given = "" if plan.rate_ratio is not None else f" (d = {d:g})"
        text = (
            f"rate ratio {ratio:.3g}{given}; control {plan.base_rate:g} events per week, "
            f"{mean:.3g} per participant, person-level dispersion {plan.dispersion:g}"
        )
        return PrimaryAssumptions(plan.primary, kind, math.log(ratio), count_d(ratio), weeks, text)
    if kind == "binary":
        p = plan.base_risk

        def share_d(ratio: float) -> float:
            q = min(p * ratio, 1.0)
            return (q - p) / math.sqrt((p * (1 - p) + q * (1 - q)) / 2)

        ratio = plan.risk_ratio or _solve(share_d, d, f"a share from {p:g}", "risk_ratio", 1 / p)
        given = "" if plan.risk_ratio is not None else f" (d = {d:g})"
        text = f"risk ratio {ratio:.3g}{given}; control risk {p:g}"
        return PrimaryAssumptions(plan.primary, kind, math.log(ratio), share_d(ratio), weeks, text)
    text = f"standardized difference d = {d:g}"
    if kind == "questionnaire":
        text += " (baseline score correlated 0.6)"
    return PrimaryAssumptions(plan.primary, kind, d, d, weeks, text)


def _solve(
    standardized: Callable[[float], float], d: float, what: str, field: str, most: float = 1e6
) -> float:
    """The ratio (above 1, below `most`) whose standardized difference is d, by bisection."""
    low, high = 1.0, most
    if standardized(high * (1 - 1e-9)) <= d:
        raise ValueError(f"d = {d:g} is more than {what} can show: give analysis.{field}")
    for _ in range(200):
        middle = (low + high) / 2
        if standardized(middle) < d:
            low = middle
        else:
            high = middle
    return high
