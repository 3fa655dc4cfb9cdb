"""Validity of the multiple-imputation sensitivity analysis (issue 27), by simulation.

Trials of the default three-arm protocol's questionnaire outcome as `bench.validity` simulates it
(`simulate_design`: a partially nested peer arm, groups of 10–15, 5% never placed, a baseline
score correlated 0.6 with the follow-up score, the cell's ICC); then the follow-up score goes
missing at random given the baseline (logistic, about 30% missing, lower baselines more often
missing; a peer-arm group-level term adds clustering in who answers). Each trial is analysed
three ways with the plan's model (strata adjustment, CR2, Bell–McCaffrey df):

- complete cases (the plan's primary ANCOVA),
- MI by design (`experiments.analysis.imputation`: within arm, group as a covariate, each set
  analysed as the primary, Rubin's rules with Barnard–Rubin df), m = 5,
- MI ignoring the design (one imputation model over all arms with arm as a covariate, no group
  term, a normal reference), as the analysis the review found covering the truth in 89.5% of
  trials did (that one also left the errors unclustered; here they are CR2).

Type-I error (null) and 95% CI coverage, each with its Monte Carlo SE, per contrast.

Run with `.venv/bin/python -m bench.validity --mice [--trials 200]`.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from scipy import stats  # type: ignore[import-untyped]

from experiments.analysis import (
    DesignSimulation,
    NotEstimable,
    design_contrasts,
    design_for,
    fit_design,
    simulate_design,
)
from experiments.analysis.imputation import impute_within_arms, pool
from experiments.protocol import Protocol, load_protocol
from tests.experiments.shipped import STUDY_FILE

__all__ = ["run_mice"]

IMPUTATIONS = 5
METHODS = ("complete cases", "MI by design", "MI ignoring design")
EFFECTS = {"null": (0.0, 0.0), "alternative": (0.35, 0.15)}
GROUP_SIZE = 12.5


def _missing(frame: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """MAR given the baseline, with a group-level term in the peer arm."""
    groups = frame["group"].astype("float64").fillna(-1).to_numpy().astype(int)
    levels = rng.normal(0, 0.5, max(groups.max() + 1, 1))
    shared = np.where(groups >= 0, levels[np.maximum(groups, 0)], 0.0)
    logit = -0.9 - 0.8 * frame["baseline"].to_numpy() + shared
    return np.asarray(rng.random(len(frame)) < 1 / (1 + np.exp(-logit)))


def _contrasts(
    frame: pd.DataFrame, protocol: Protocol, simulation: DesignSimulation
) -> list[tuple[str, float, float | None, float | None, float | None]]:
    """Each planned contrast: label, truth, estimate, SE (from the interval) and df."""
    plan = protocol.analysis
    assert plan is not None
    fit = fit_design(frame, protocol, plan, kind="questionnaire")
    if isinstance(fit, NotEstimable):
        return []
    found: list[tuple[str, float, float | None, float | None, float | None]] = []
    for r in design_contrasts(fit, protocol, plan, simulation, adjust=False):
        if r.estimate is None or r.low is None or r.high is None:
            found.append((r.label, r.truth, None, None, r.df))
            continue
        quantile = stats.t.ppf(1 - plan.alpha / 2, r.df) if r.df else stats.norm.ppf(0.975)
        found.append((r.label, r.truth, r.estimate, (r.high - r.low) / (2 * quantile), r.df))
    return found


def _ignoring(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The imputation the review criticised: one model over every arm (arm as a covariate, no
    group term)."""
    done = frame.assign(all="all", arm_label=frame["arm"])
    done = done.rename(columns={"arm": "arm_kept"}).rename(columns={"all": "arm"})
    done = impute_within_arms(done, ["y", "baseline"], ["arm_label", "age_band", "site"], rng)
    return done.drop(columns=["arm"]).rename(columns={"arm_kept": "arm"})


def _trial(
    protocol: Protocol,
    groups: int,
    icc: float,
    scenario: str,
    rng: np.random.Generator,
    imputations: int = IMPUTATIONS,
) -> dict[str, list[tuple[str, float, bool, bool]]]:
    peer = groups * GROUP_SIZE / 0.95
    simulation = design_for(
        protocol, effect=0.0, participants=round(peer * 3), icc=icc, kind="questionnaire"
    )
    peer_effect, text_effect = EFFECTS[scenario]
    simulation = replace(simulation, effects={"peer": peer_effect, "text": text_effect})
    full = simulate_design(simulation, rng)
    data = full.assign(y=full["y"].where(~_missing(full, rng)))
    found: dict[str, list[tuple[str, float, bool, bool]]] = {m: [] for m in METHODS}
    observed = data.dropna(subset=["y"])
    for label, truth, estimate, se, df in _contrasts(observed, protocol, simulation):
        found["complete cases"].append(_verdict(label, truth, estimate, se, df))
    for method in METHODS[1:]:
        runs = []
        for _ in range(imputations):
            if method == "MI by design":
                done = impute_within_arms(data, ["y"], ["age_band", "site"], rng, grouped=("peer",))
            else:
                done = _ignoring(data, rng)
            runs.append(_contrasts(done, protocol, simulation))
        if not all(runs) or len({len(r) for r in runs}) != 1:
            continue
        for index, (label, truth, *_rest) in enumerate(runs[0]):
            estimates = [run[index][2] for run in runs]
            ses = [run[index][3] for run in runs]
            if any(e is None for e in estimates) or any(e is None for e in ses):
                continue
            by_design = method == "MI by design"
            pooled = pool(
                [float(e or 0.0) for e in estimates],
                [float(e or 0.0) ** 2 for e in ses],
                runs[0][index][4],
            )
            df = pooled.df if by_design else None  # the old analysis: a normal reference
            found[method].append(_verdict(label, truth, pooled.estimate, pooled.se, df))
    return found


def _verdict(
    label: str, truth: float, estimate: float | None, se: float | None, df: float | None
) -> tuple[str, float, bool, bool]:
    if estimate is None or se is None:
        return (label, truth, False, False)
    quantile = stats.t.ppf(0.975, df) if df and math.isfinite(df) else stats.norm.ppf(0.975)
    low, high = estimate - quantile * se, estimate + quantile * se
    return (label, truth, not (low <= 0 <= high), low <= truth <= high)


def run_mice(
    trials: int,
    seed: int,
    groups: tuple[int, ...] = (5, 8),
    iccs: tuple[float, ...] = (0.05, 0.10),
    imputations: int = IMPUTATIONS,
) -> None:
    """Print the MICE validity table: per cell, method and contrast."""
    protocol = load_protocol(STUDY_FILE)
    started = time.perf_counter()
    print(
        f"{'scenario':<11} {'G':>2} {'ICC':>4} {'method':<19} {'contrast':<16} {'trials':>6} "
        f"{'reject':>7} {'±SE':>6} {'cover':>7} {'±SE':>6} check"
    )
    for scenario in ("null", "alternative"):
        for g in groups:
            for icc in iccs:
                rng = np.random.default_rng([seed, g, int(icc * 100), scenario == "null"])
                tally: dict[tuple[str, str], list[tuple[bool, bool]]] = {}
                for _ in range(trials):
                    for method, rows in _trial(
                        protocol, g, icc, scenario, rng, imputations
                    ).items():
                        for label, _truth, rejected, covered in rows:
                            tally.setdefault((method, label), []).append((rejected, covered))
                for (method, label), verdicts in tally.items():
                    n = len(verdicts)
                    reject = float(np.mean([r for r, _c in verdicts]))
                    cover = float(np.mean([c for _r, c in verdicts]))
                    floor = math.sqrt(0.05 * 0.95 / n)
                    reject_se = math.sqrt(reject * (1 - reject) / n)
                    cover_se = math.sqrt(cover * (1 - cover) / n)
                    ok = cover >= 0.95 - 2 * max(cover_se, floor) and (
                        scenario != "null" or reject <= 0.05 + 2 * max(reject_se, floor)
                    )
                    print(
                        f"{scenario:<11} {g:>2} {icc:>4.2f} {method:<19} {label:<16} {n:>6} "
                        f"{reject:>7.3f} {reject_se:>6.3f} {cover:>7.3f} {cover_se:>6.3f} "
                        f"{'ok' if ok else 'MISS'}",
                        flush=True,
                    )
    print(f"\n{trials} trials per cell, m = {imputations}, {time.perf_counter() - started:.0f} s")
