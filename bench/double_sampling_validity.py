"""Validity of the double-sampling estimate (issue 29.4): type-I error and coverage by simulation.

Two arms of `--per-arm` people (150). A person's follow-up score is N(effect, 1) in treatment,
N(0, 1) in control; whether they answer by themselves depends on that score and on the arm
(logit P = a − 1.5·y, a = 0 in control and 1 in treatment: not at random, so the complete cases
are biased). A share of the non-responders is drawn for a follow-up call, and a chosen one is
reached with probability `REACHED` (at random among the chosen: the design's assumption).
Each trial is analysed with the report's two rows (`experiments.analysis.double_sampling`): the
complete cases (everyone who answered, unweighted) and the double-sampling weights. Per
scenario and estimate: mean bias, 95% CI coverage and the rejection rate at .05 (type-I error
under the null, power under the alternative), each with its Monte Carlo SE.

Targets (as bench.validity): type-I error ≤ 5% + 2 MC SE, coverage ≥ 95% − 2 MC SE, for the
double-sampling rows; the complete-case rows show what the follow-up buys.
"""

from __future__ import annotations

import math
import time

import numpy as np

from experiments.analysis.double_sampling import (
    DoubleSample,
    complete_case_contrast,
    double_sampling_contrast,
    simulate_double_sampling,
)

__all__ = ["run_double_sampling"]

REACHED = 0.9
# scenario: (true difference, share of non-responders followed up)
SCENARIOS = {
    "null, share 0.5": (0.0, 0.5),
    "null, share 0.3": (0.0, 0.3),
    "effect 0.3, share 0.5": (0.3, 0.5),
}


def _summary(
    values: list[DoubleSample], truth: float
) -> tuple[float, float, float, float, float, float, int]:
    held = [v for v in values if v.estimate is not None and v.low is not None]
    k = len(held)
    if k == 0:
        return (math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, 0)
    estimates = np.array([v.estimate for v in held], dtype=float)
    covered = np.mean([(v.low or 0) <= truth <= (v.high or 0) for v in held])
    rejected = np.mean([(v.p_value or 1) < 0.05 for v in held])
    bias = float(estimates.mean() - truth)
    return (
        bias,
        float(estimates.std(ddof=1) / math.sqrt(k)),
        float(covered),
        math.sqrt(covered * (1 - covered) / k),
        float(rejected),
        math.sqrt(rejected * (1 - rejected) / k),
        k,
    )


def run_double_sampling(trials: int, seed: int, per_arm: int = 150) -> list[str]:
    """Print (and return) per scenario and estimate: bias, coverage and rejection rate."""
    started = time.perf_counter()
    lines = [
        f"{'scenario':<23}{'estimate':<17}{'truth':>6}{'bias':>8}{'±SE':>7}{'coverage':>9}"
        f"{'±SE':>7}{'reject':>8}{'±SE':>7}{'trials':>7}"
    ]
    print(lines[0], flush=True)
    for scenario, (effect, share) in SCENARIOS.items():
        rng = np.random.default_rng([seed, len(scenario)])
        complete, adjusted = [], []
        for _ in range(trials):
            data = simulate_double_sampling(rng, per_arm, effect, share, reached=REACHED)
            complete.append(complete_case_contrast(data, ["treatment"], ["control"]))
            adjusted.append(double_sampling_contrast(data, ["treatment"], ["control"]))
        for name, values in (("complete cases", complete), ("double sampling", adjusted)):
            bias, bias_se, cover, cover_se, reject, reject_se, k = _summary(values, effect)
            line = (
                f"{scenario:<23}{name:<17}{effect:>6.2f}{bias:>8.3f}{bias_se:>7.3f}"
                f"{cover:>9.3f}{cover_se:>7.3f}{reject:>8.3f}{reject_se:>7.3f}{k:>7}"
            )
            lines.append(line)
            print(line, flush=True)
    tail = (
        f"\n{trials} trials per scenario, {per_arm} per arm, chosen non-responders reached "
        f"{REACHED:.0%}, {time.perf_counter() - started:.0f} s"
    )
    lines.append(tail)
    print(tail)
    return lines
