"""Validity of the pre-specified analysis: type-I error and 95% CI coverage by simulation.

For every cell (scenario null or alternative × 5, 8 or 12 peer groups per track × ICC .05 or
.10) and every outcome type (count, binary, questionnaire; money with `--kinds`), simulate
trials as the default three-arm protocol designs them
(`experiments.analysis.design_simulation.simulate_design`: a partially nested peer arm, groups
of 10–15 of random size, 5% of the peer arm never placed; the ICC is the outcome's own, counts
and shares getting the log-scale group frailty that gives it) and analyse each with the report's
own model (`experiments.analysis.design_power.fit_design`: strata adjustment, CR2). Each trial
is fitted once and every contrast tested under each degrees-of-freedom rule the plan can choose:
t(G − 1) for contrasts with the clustered arm (n − k for the others), Bell–McCaffrey's
Satterthwaite df (BM, clubSandwich) and Imbens–Kolesár's (IK, dfadjust). Per contrast and rule:
the rejection rate at .05 (type-I error under the null, power under the alternative) and the
coverage of the 95% CI, each with its Monte Carlo SE; then, per rule, the rows outside the
targets, and the power BM and IK add to t(G − 1) in the clustered contrasts.

Targets: type-I error ≤ 5% + 2 MC SE (conservative is acceptable, and reported), coverage
≥ 95% − 2 MC SE.

Run with `.venv/bin/python -m bench.validity [--trials 500] [--csv FILE] [--kinds ...]
[--groups ...] [--iccs ...]`; 500 trials per cell of the default grid took about 2 hours on a
shared machine (bench/results/validity_df.txt).

`--lee` runs the Lee bounds' check instead (`bench.lee_validity`): how often the bounds, and
their Imbens–Manski interval, hold the effect they bracket, 150 per arm.

`--mice` runs the multiple-imputation check instead (`bench.mice_validity`): complete cases,
imputation by design (within arm, group as covariate, Rubin/Barnard–Rubin) and imputation
ignoring the design, on a questionnaire score missing at random given the baseline.

`--double-sampling` runs the non-response-adjusted estimate's check instead
(`bench.double_sampling_validity`): two arms of 150, non-response that depends on the outcome and
the arm, a share of the non-responders followed up by a person; bias, coverage and type-I error of
the double-sampling weights beside the complete cases'.

`--mrt` runs the micro-randomized nudges' validity instead (`experiments.micro.simulate`): trials
of 60 people × 42 daily decision points, probability 0.6/0.5/0.4 by fortnight, 80% available,
a deposit within 24 h with base chance 10–30% and a nudge's relative risk 1.3 in week 1, its log
falling 0.05 a week (and a null scenario, RR 1), each analysed with EMEE (marginal effect, week 1
and change per week): bias within 2 MC SE, coverage and type-I error as above. The "wcls" rows do
the same for a continuous outcome analysed with WCLS (a difference of 0.3 in week 1, falling 0.03
a week, person effects and noise SD 1).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from bench.double_sampling_validity import run_double_sampling
from bench.lee_validity import run_lee
from bench.mice_validity import run_mice
from experiments.analysis import (
    NotEstimable,
    design_contrasts,
    design_for,
    fit_design,
    simulate_design,
)
from experiments.micro.simulate import MrtDesign, excursion_validity
from experiments.protocol import DegreesOfFreedom, OutcomeKind, Protocol, load_protocol
from tests.experiments.shipped import STUDY_FILE

KINDS: tuple[OutcomeKind, ...] = ("count", "money", "binary", "questionnaire")
# The grid of the degrees-of-freedom comparison (issue 27): money is left out by default.
GRID_KINDS: tuple[OutcomeKind, ...] = ("count", "binary", "questionnaire")
GRID_GROUPS = (5, 8, 12)
GRID_ICCS = (0.05, 0.10)
RULES: tuple[DegreesOfFreedom, ...] = ("groups_minus_one", "satterthwaite", "imbens_kolesar")
RULE_NAMES = {"groups_minus_one": "t(G-1)", "satterthwaite": "BM", "imbens_kolesar": "IK"}
# Alternative effects on the model's scale (log ratio or standardized difference): peer, text.
ALTERNATIVE = {
    "count": (math.log(1.3), math.log(1.15)),
    "money": (0.35, 0.15),
    "binary": (math.log(1.6), math.log(1.2)),
    "questionnaire": (0.35, 0.15),
}
GROUP_SIZE = 12.5  # mean of 10-15


@dataclass(frozen=True)
class CellResult:
    """One contrast of one outcome type in one cell, under one degrees-of-freedom rule."""

    scenario: str
    groups: int
    icc: float
    kind: str
    contrast: str
    trials: int
    mean_groups: float
    rejected: float
    covered: float
    failed: int
    rule: str = "groups_minus_one"
    mean_df: float = math.nan

    @property
    def rejected_se(self) -> float:
        """Monte Carlo SE of the rejection rate."""
        return math.sqrt(self.rejected * (1 - self.rejected) / max(1, self.trials))

    @property
    def covered_se(self) -> float:
        """Monte Carlo SE of the coverage."""
        return math.sqrt(self.covered * (1 - self.covered) / max(1, self.trials))

    @property
    def type_one_ok(self) -> bool | None:
        """Under the null: type-I error within 5% + 2 MC SE (None under the alternative)."""
        if self.scenario != "null":
            return None
        return self.rejected <= 0.05 + 2 * max(
            self.rejected_se, math.sqrt(0.05 * 0.95 / self.trials)
        )

    @property
    def coverage_ok(self) -> bool:
        """Coverage at least 95% − 2 MC SE."""
        return self.covered >= 0.95 - 2 * max(self.covered_se, math.sqrt(0.05 * 0.95 / self.trials))


def run_cell(
    protocol: Protocol,
    *,
    kind: OutcomeKind,
    scenario: str,
    groups: int,
    icc: float,
    trials: int,
    seed: int,
    rules: Sequence[DegreesOfFreedom] = RULES,
) -> list[CellResult]:
    """Simulate and analyse `trials` trials of one cell; one result per contrast and rule.

    Each trial is fitted once; the rules differ only in each contrast's t reference.
    """
    plan = protocol.analysis
    assert plan is not None
    plan = plan.model_copy(update={"degrees_of_freedom": "satterthwaite"})
    peer = groups * GROUP_SIZE / 0.95
    participants = round(peer * 3)
    simulation = design_for(protocol, effect=0.0, participants=participants, icc=icc, kind=kind)
    if scenario == "alternative":
        peer_effect, text_effect = ALTERNATIVE[kind]
        simulation = replace(simulation, effects={"peer": peer_effect, "text": text_effect})
    rng = np.random.default_rng([seed, groups, int(icc * 100), KINDS.index(kind)])
    rejected: dict[tuple[str, str], list[bool]] = {}
    covered: dict[tuple[str, str], list[bool]] = {}
    dfs: dict[tuple[str, str], list[float]] = {}
    failed: dict[tuple[str, str], int] = {}
    formed = []
    for _ in range(trials):
        frame = simulate_design(simulation, rng)
        fit = fit_design(frame, protocol, plan, kind=kind)
        formed.append(int(frame["group"].dropna().nunique()))
        for rule in rules:
            ruled = fit if isinstance(fit, NotEstimable) else replace(fit, degrees_of_freedom=rule)
            for row in design_contrasts(ruled, protocol, plan, simulation, adjust=False):
                key = (row.label, rule)
                if row.p_value is None or row.low is None or row.high is None:
                    failed[key] = failed.get(key, 0) + 1
                    continue
                rejected.setdefault(key, []).append(row.p_value < 0.05)
                covered.setdefault(key, []).append(row.low <= row.truth <= row.high)
                dfs.setdefault(key, []).append(math.inf if row.df is None else row.df)
    return [
        CellResult(
            scenario,
            groups,
            icc,
            kind,
            label,
            len(rejected[(label, rule)]),
            float(np.mean(formed)),
            float(np.mean(rejected[(label, rule)])),
            float(np.mean(covered[(label, rule)])),
            failed.get((label, rule), 0),
            rule,
            float(np.mean(dfs[(label, rule)])),
        )
        for label, rule in rejected
    ]


def header() -> str:
    """The table's header line."""
    return (
        f"{'scenario':<11} {'G':>2} {'ICC':>4} {'outcome':<13} {'contrast':<16} {'df':<7} "
        f"{'mean df':>7} {'trials':>6} {'mean G':>6} {'reject':>7} {'±SE':>6} {'cover':>7} "
        f"{'±SE':>6} {'check':<8}"
    )


def line(r: CellResult) -> str:
    """One table line; check: type-I and coverage targets (null) or coverage (alternative)."""
    verdicts = [r.coverage_ok] + ([r.type_one_ok] if r.type_one_ok is not None else [])
    check = "ok" if all(verdicts) else "MISS"
    if r.failed:
        check += f" ({r.failed} failed)"
    return (
        f"{r.scenario:<11} {r.groups:>2} {r.icc:>4.2f} {r.kind:<13} {r.contrast:<16} "
        f"{RULE_NAMES.get(r.rule, r.rule):<7} {r.mean_df:>7.1f} {r.trials:>6} "
        f"{r.mean_groups:>6.1f} {r.rejected:>7.3f} {r.rejected_se:>6.3f} {r.covered:>7.3f} "
        f"{r.covered_se:>6.3f} {check:<8}"
    )


def verdict(results: Sequence[CellResult]) -> list[str]:
    """Per rule: rows outside the targets; per alternative cell: the power BM adds to t(G − 1)."""
    lines = []
    for rule in dict.fromkeys(r.rule for r in results):
        mine = [r for r in results if r.rule == rule]
        misses = [r for r in mine if not r.coverage_ok or r.type_one_ok is False]
        worst = max((r.rejected for r in mine if r.scenario == "null"), default=math.nan)
        lowest = min((r.covered for r in mine), default=math.nan)
        lines.append(
            f"{RULE_NAMES.get(rule, rule)}: {len(misses)} of {len(mine)} rows outside the "
            f"targets; highest type-I error {worst:.3f}, lowest coverage {lowest:.3f}"
        )
    by_key = {(r.scenario, r.groups, r.icc, r.kind, r.contrast, r.rule): r for r in results}
    gains = []
    for (scenario, g, icc, kind, contrast, rule), r in by_key.items():
        other = by_key.get((scenario, g, icc, kind, contrast, "groups_minus_one"))
        if scenario != "alternative" or rule == "groups_minus_one" or other is None:
            continue
        if contrast == "text vs control":
            continue
        gain = r.rejected - other.rejected
        se = math.hypot(r.rejected_se, other.rejected_se)  # conservative: the runs share draws
        gains.append(
            f"  {RULE_NAMES.get(rule, rule):<3} G {g:>2} ICC {icc:.2f} {kind:<13} {contrast:<16} "
            f"power {other.rejected:.3f} -> {r.rejected:.3f} ({gain:+.3f} ± {se:.3f})"
        )
    if gains:
        lines += ["Power of the clustered contrasts against t(G-1):", *sorted(gains)]
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    """Run every cell and print the table (and write it as CSV on request)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--trials", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--csv", default=None)
    parser.add_argument("--kinds", nargs="*", default=list(GRID_KINDS))
    parser.add_argument("--groups", nargs="*", type=int, default=list(GRID_GROUPS))
    parser.add_argument("--iccs", nargs="*", type=float, default=list(GRID_ICCS))
    parser.add_argument("--mrt", action="store_true", help="micro-randomized nudges (EMEE)")
    parser.add_argument("--lee", action="store_true", help="Lee bounds' Imbens–Manski intervals")
    parser.add_argument("--mice", action="store_true", help="multiple imputation by design")
    parser.add_argument("--imputations", type=int, default=5, help="imputed sets (--mice)")
    parser.add_argument(
        "--double-sampling",
        action="store_true",
        help="the non-response-adjusted estimate (non-responders followed up, double sampling)",
    )
    options = parser.parse_args(argv)
    if options.mrt:
        run_mrt(options.trials, options.seed)
        return
    if options.lee:
        run_lee(options.trials, options.seed)
        return
    if options.mice:
        groups, iccs = tuple(options.groups), tuple(options.iccs)
        run_mice(options.trials, options.seed, groups, iccs, options.imputations)
    if options.double_sampling:
        run_double_sampling(options.trials, options.seed)
        return
    protocol = load_protocol(STUDY_FILE)
    results: list[CellResult] = []
    print(header(), flush=True)
    started = time.perf_counter()
    for scenario in ("null", "alternative"):
        for groups in options.groups:
            for icc in options.iccs:
                for kind in options.kinds:
                    cell = run_cell(
                        protocol,
                        kind=kind,
                        scenario=scenario,
                        groups=groups,
                        icc=icc,
                        trials=options.trials,
                        seed=options.seed,
                    )
                    for result in cell:
                        print(line(result), flush=True)
                    results += cell
    print("", *verdict(results), sep="\n")
    print(f"\n{len(results)} rows, {time.perf_counter() - started:.0f} s", flush=True)
    if options.csv:
        with open(options.csv, "w", encoding="utf-8") as out:
            out.write(
                "scenario,groups,icc,outcome,contrast,df_rule,mean_df,trials,mean_groups,"
                "rejected,rejected_se,covered,covered_se,failed\n"
            )
            for r in results:
                out.write(
                    f"{r.scenario},{r.groups},{r.icc},{r.kind},{r.contrast},{r.rule},"
                    f"{r.mean_df:.2f},{r.trials},{r.mean_groups:.2f},{r.rejected:.4f},"
                    f"{r.rejected_se:.4f},{r.covered:.4f},{r.covered_se:.4f},{r.failed}\n"
                )


def run_mrt(trials: int, seed: int) -> None:
    """The micro-randomized nudges' validity table (EMEE), null and alternative."""
    started = time.perf_counter()
    design = MrtDesign()
    print(
        f"{'scenario':<12}{'term':<17}{'truth':>8}{'mean':>9}{'bias':>9}{'MC SE':>8}"
        f"{'cover':>8}{'MC SE':>7}{'reject':>8}{'MC SE':>7}  ok"
    )
    misses = 0
    amounts = MrtDesign(scale="continuous")
    cells = (
        ("null", design.null()),
        ("alternative", design),
        ("wcls null", amounts.null()),
        ("wcls alt.", amounts),
    )
    for scenario, cell in cells:
        for r in excursion_validity(cell, trials, seed, scenario):
            ok = r.bias_ok and r.coverage_ok and r.type_one_ok is not False
            misses += not ok
            print(
                f"{r.scenario:<12}{r.term:<17}{r.truth:>8.4f}{r.mean:>9.4f}{r.bias:>9.4f}"
                f"{r.bias_se:>8.4f}{r.covered:>8.3f}{r.covered_se:>7.3f}{r.rejected:>8.3f}"
                f"{r.rejected_se:>7.3f}  {'yes' if ok else 'NO'}",
                flush=True,
            )
    print(
        f"\n{trials} trials per scenario, {misses} rows outside the targets, "
        f"{time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
