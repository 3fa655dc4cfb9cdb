"""Coverage of the Lee bounds and of their Imbens–Manski interval (issue 27), by simulation.

Trials of the default three-arm protocol with `--per-arm` participants per arm (150: the size
at which the bounds alone excluded the truth in 7–11% of trials). A participant's latent
U ~ Uniform(0, 1) decides whether their outcome is observed (U below the arm's share kept, so
everyone observed in control would be observed in any arm: Lee's monotonicity) and raises their
deposit rate (e^{s(U − ½)}, s = `SELECTION`: who drops out differs in outcome). Deposits are
Poisson over 12 weeks at that rate times a person-level and a peer-group log-normal frailty
(groups of 10–15, 5% never placed) and the arm's rate ratio. The truth is the difference in
rates per week among those observed whatever their arm (U below control's share), which the
bounds bracket: (RR − 1)·E[e^{s(U − ½)} | U < q].
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from experiments.analysis import lee_bounds
from experiments.protocol import load_protocol, resolve_outcome
from tests.experiments.shipped import STUDY_FILE

__all__ = ["run_lee"]

SELECTION = 1.0
WEEKS = 12.0
GROUP_LOG_VARIANCE = 0.05
PERSON_LOG_VARIANCE = 0.3
# scenario: (rate ratio of peer and text, share observed in peer, text and control)
SCENARIOS = {
    "null, equal loss": (1.0, (0.85, 0.85, 0.85)),
    "null, unequal loss": (1.0, (0.90, 0.85, 0.75)),
    "RR 1.3, unequal loss": (1.3, (0.90, 0.85, 0.75)),
}


def _truth(ratio: float, control_share: float) -> float:
    s, q = SELECTION, control_share
    return (ratio - 1) * math.exp(-s / 2) * math.expm1(s * q) / (s * q)


def _trial(
    rng: np.random.Generator,
    per_arm: int,
    ratio: float,
    shares: tuple[float, float, float],
    track: str | None,
) -> pd.DataFrame:
    arms = np.repeat(["peer", "text", "control"], per_arm)
    n = len(arms)
    latent = rng.random(n)
    kept = np.select([arms == "peer", arms == "text"], [shares[0], shares[1]], shares[2])
    group = np.full(n, -1)
    members = np.flatnonzero(arms == "peer")
    members = members[rng.random(len(members)) >= 0.05]
    start, next_id = 0, 0
    while len(members) - start >= 10:
        size = int(rng.integers(10, 15, endpoint=True))
        group[members[start : start + size]] = next_id
        start += size
        next_id += 1
    group_effect = rng.normal(0, math.sqrt(GROUP_LOG_VARIANCE), max(next_id, 1))
    person = rng.normal(0, math.sqrt(PERSON_LOG_VARIANCE), n)
    frailty = np.where(group >= 0, group_effect[np.maximum(group, 0)], 0.0)
    frailty += person - PERSON_LOG_VARIANCE / 2
    frailty -= np.where(group >= 0, GROUP_LOG_VARIANCE / 2, 0.0)
    rate = np.exp(SELECTION * (latent - 0.5) + frailty) * np.where(arms == "control", 1, ratio)
    return pd.DataFrame(
        {
            "arm": arms,
            "track": track,
            "deposits": rng.poisson(rate * WEEKS),
            "exposure": WEEKS,
            "lost": latent >= kept,
            "group": pd.Series(np.where(group >= 0, group, -1)).replace(-1, pd.NA),
        }
    )


def run_lee(trials: int, seed: int, per_arm: int = 150, replicates: int = 200) -> None:
    """Print, per scenario and contrast, how often the bounds and the interval hold the truth."""
    protocol = load_protocol(STUDY_FILE)
    spec = resolve_outcome("deposits", protocol)
    assert spec is not None
    started = time.perf_counter()
    print(
        f"{'scenario':<22}{'contrast':<17}{'truth':>7}{'bounds hold':>12}{'±SE':>6}"
        f"{'CI holds':>10}{'±SE':>6}{'CI excl. 0':>11}{'mean width':>11}"
    )
    for scenario, (ratio, shares) in SCENARIOS.items():
        rng = np.random.default_rng([seed, len(scenario)])
        held: dict[str, list[tuple[bool, bool, bool, float]]] = {}
        for _ in range(trials):
            frame = _trial(rng, per_arm, ratio, shares, spec.track)
            for b in lee_bounds(frame, protocol, spec, None, replicates=replicates):
                if b.low is None or b.high is None or b.ci_low is None or b.ci_high is None:
                    continue
                truth = _truth(ratio, shares[2])
                held.setdefault(b.contrast, []).append(
                    (
                        b.low <= truth <= b.high,
                        b.ci_low <= truth <= b.ci_high,
                        not b.ci_low <= 0 <= b.ci_high,
                        b.ci_high - b.ci_low,
                    )
                )
        for contrast, rows in held.items():
            values = np.asarray(rows, dtype=float)
            bounds, interval, excluded, width = values.mean(axis=0)
            k = len(rows)
            print(
                f"{scenario:<22}{contrast:<17}{_truth(ratio, shares[2]):>7.3f}{bounds:>12.3f}"
                f"{math.sqrt(bounds * (1 - bounds) / k):>6.3f}{interval:>10.3f}"
                f"{math.sqrt(interval * (1 - interval) / k):>6.3f}{excluded:>11.3f}{width:>11.3f}",
                flush=True,
            )
    print(
        f"\n{trials} trials per scenario, {per_arm} per arm, {replicates} bootstrap replicates, "
        f"{time.perf_counter() - started:.0f} s"
    )
