"""Sample size and power for comparing each arm with control (two-sided two-sample t-test)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from statsmodels.stats.power import TTestIndPower  # type: ignore[import-untyped]

__all__ = ["PowerResult", "achieved_power", "format_power", "participants_per_arm"]


@dataclass(frozen=True, slots=True)
class PowerResult:
    """Participants needed per arm, and the assumptions that give that number."""

    effect_size: float
    alpha: float
    power: float
    arms: int
    comparisons: int
    alpha_per_comparison: float
    exact_per_arm: float
    icc: float
    cluster_size: int
    design_effect: float
    per_arm: int

    @property
    def total(self) -> int:
        """Participants needed over all arms."""
        return self.per_arm * self.arms

    @property
    def clusters_per_arm(self) -> int | None:
        """Groups needed per clustered arm, or None when nobody is clustered."""
        return math.ceil(self.per_arm / self.cluster_size) if self.cluster_size > 1 else None


def participants_per_arm(
    effect_size: float,
    alpha: float = 0.05,
    power: float = 0.80,
    arms: int = 2,
    icc: float = 0.0,
    cluster_size: int = 1,
) -> PowerResult:
    """Participants per arm for a two-sided t-test of each arm against control, rounded up.

    With more than two arms, alpha is split over the arms − 1 comparisons (Bonferroni). With
    groups of `cluster_size` sharing an intervention, the number is multiplied by the design
    effect 1 + (m − 1)·ICC for every arm, which is conservative when only one arm is clustered.
    """
    _check(effect_size=effect_size, alpha=alpha, icc=icc, cluster_size=cluster_size)
    if not 0 < power < 1:
        raise ValueError("power must lie between 0 and 1")
    if arms < 2:
        raise ValueError("a comparison needs at least 2 arms")
    comparisons = arms - 1
    alpha_each = alpha / comparisons
    exact = _solve_n(effect_size, alpha_each, power)
    design_effect = 1 + (cluster_size - 1) * icc
    # Round to 6 decimals first so float noise (e.g. 64.0000000001) does not add a participant.
    per_arm = max(2, math.ceil(round(exact * design_effect, 6)))
    return PowerResult(
        effect_size=effect_size,
        alpha=alpha,
        power=power,
        arms=arms,
        comparisons=comparisons,
        alpha_per_comparison=alpha_each,
        exact_per_arm=exact,
        icc=icc,
        cluster_size=cluster_size,
        design_effect=design_effect,
        per_arm=per_arm,
    )


def achieved_power(
    n_per_arm: float,
    effect_size: float,
    alpha: float = 0.05,
    *,
    ratio: float = 1.0,
    design_effect: float = 1.0,
) -> float:
    """The power of a two-sided t-test with `n_per_arm` in one arm and ratio × that in the other."""
    _check(effect_size=effect_size, alpha=alpha, icc=0.0, cluster_size=1)
    if n_per_arm < 2 or ratio <= 0 or design_effect < 1:
        raise ValueError("need at least 2 per arm, a positive ratio and a design effect ≥ 1")
    return _power(n_per_arm / design_effect, effect_size, alpha, ratio)


def _power(n_per_arm: float, effect_size: float, alpha: float, ratio: float = 1.0) -> float:
    analysis = TTestIndPower()
    # scipy's noncentral t returns NaN deep in its tails when power is near 1. The opposite
    # tail then adds nothing measurable, so the upper tail at alpha / 2 is the two-sided power;
    # if even that fails, the noncentrality is so large that the normal approximation is exact
    # to many digits.
    for tail_alpha, alternative in ((alpha, "two-sided"), (alpha / 2, "larger")):
        power = float(
            analysis.power(
                effect_size=effect_size,
                nobs1=n_per_arm,
                alpha=tail_alpha,
                ratio=ratio,
                alternative=alternative,
            )
        )
        if not math.isnan(power):
            return power
    noncentrality = effect_size * math.sqrt(n_per_arm * ratio / (1 + ratio))
    normal = NormalDist()
    return normal.cdf(noncentrality - normal.inv_cdf(1 - alpha / 2))


def _solve_n(effect_size: float, alpha: float, power: float) -> float:
    """The real n per arm at which the two-sided test reaches `power`, by bisection."""
    # Not TTestIndPower.solve_power: it silently returns wrong answers where the NaN above
    # appears (e.g. alpha 0.001 with power 0.99); power rises with n, so bisection is safe.
    low, high = 1.5, 4.0
    while _power(high, effect_size, alpha) < power:
        low, high = high, high * 2
    while high - low > 1e-9 * high:
        middle = (low + high) / 2
        if _power(middle, effect_size, alpha) < power:
            low = middle
        else:
            high = middle
    return high


def format_power(result: PowerResult) -> str:
    """A few lines for `lotgenoot power`, saying the number and what it assumes."""
    lines = [
        f"Two-sided two-sample t-test, effect size d = {result.effect_size:g}, "
        f"power {result.power:g}, alpha {result.alpha:g}.",
    ]
    if result.comparisons > 1:
        lines.append(
            f"{result.arms} arms, each compared with control: Bonferroni correction over "
            f"{result.comparisons} comparisons, alpha {result.alpha_per_comparison:.4g} each."
        )
    lines.append(f"Without clustering: {result.exact_per_arm:.1f} per arm (exact).")
    if result.cluster_size > 1:
        lines.append(
            f"Design effect 1 + ({result.cluster_size} − 1) × {result.icc:g} = "
            f"{result.design_effect:.3g} for groups of {result.cluster_size}, applied to every arm "
            f"({result.clusters_per_arm} groups per arm)."
        )
    lines.append(
        f"Participants needed: {result.per_arm} per arm (rounded up), {result.total} in total."
    )
    return "\n".join(lines)


def _check(*, effect_size: float, alpha: float, icc: float, cluster_size: int) -> None:
    if effect_size <= 0:
        raise ValueError("effect size must be more than 0")
    if not 0 < alpha < 1:
        raise ValueError("alpha must lie between 0 and 1")
    if not 0 <= icc <= 1:
        raise ValueError("the ICC must lie between 0 and 1")
    if cluster_size < 1:
        raise ValueError("cluster size must be at least 1")
