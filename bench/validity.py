"""Validity of the pre-specified analysis: type-I error and 95% CI coverage by simulation.

For every cell (scenario null or alternative × 5 or 8 peer groups per track × ICC .05 or .12)
and every outcome type (count, money, binary, questionnaire), simulate trials as the default
three-arm protocol designs them (`experiments.analysis.design_simulation.simulate_design`: a
partially nested peer arm, groups of 10–15 of random size, 5% of the peer arm never placed) and
analyse each with the report's own models (`experiments.analysis.design_power.analyse_design`:
strata adjustment, CR1 with t(G − 1) over formed groups). Per contrast: the rejection rate at .05
(type-I error under the null, power under the alternative), the coverage of the 95% CI, each
with its Monte Carlo SE.

Targets: type-I error ≤ 5% + 2 MC SE (conservative is acceptable, and reported), coverage
≥ 95% − 2 MC SE.

Run with `.venv/bin/python -m bench.validity [--trials 1000] [--csv FILE]`; 1,000 trials per
cell take about half an hour on one core.

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
from dataclasses import dataclass

import numpy as np

from experiments.analysis import analyse_design, design_for, simulate_design
from experiments.micro.simulate import MrtDesign, excursion_validity
from experiments.protocol import OutcomeKind, Protocol, load_protocol
from tests.experiments.shipped import STUDY_FILE

KINDS: tuple[OutcomeKind, ...] = ("count", "money", "binary", "questionnaire")
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
    """One contrast of one outcome type in one cell."""

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
) -> list[CellResult]:
    """Simulate and analyse `trials` trials of one cell; one result per contrast."""
    plan = protocol.analysis
    assert plan is not None
    peer = groups * GROUP_SIZE / 0.95
    participants = round(peer * 3)
    simulation = design_for(protocol, effect=0.0, participants=participants, icc=icc, kind=kind)
    if scenario == "alternative":
        peer_effect, text_effect = ALTERNATIVE[kind]
        simulation = type(simulation)(
            **{**simulation.__dict__, "effects": {"peer": peer_effect, "text": text_effect}}
        )
    rng = np.random.default_rng([seed, groups, int(icc * 100), KINDS.index(kind)])
    rejected: dict[str, list[bool]] = {}
    covered: dict[str, list[bool]] = {}
    failed: dict[str, int] = {}
    formed = []
    for _ in range(trials):
        frame = simulate_design(simulation, rng)
        rows, count = analyse_design(frame, protocol, plan, simulation, kind=kind)
        formed.append(count)
        for row in rows:
            if row.p_value is None or row.low is None or row.high is None:
                failed[row.label] = failed.get(row.label, 0) + 1
                continue
            rejected.setdefault(row.label, []).append(row.p_value < 0.05)
            covered.setdefault(row.label, []).append(row.low <= row.truth <= row.high)
    return [
        CellResult(
            scenario,
            groups,
            icc,
            kind,
            label,
            len(rejected[label]),
            float(np.mean(formed)),
            float(np.mean(rejected[label])),
            float(np.mean(covered[label])),
            failed.get(label, 0),
        )
        for label in rejected
    ]


def header() -> str:
    """The table's header line."""
    return (
        f"{'scenario':<11} {'G':>2} {'ICC':>4} {'outcome':<13} {'contrast':<16} {'trials':>6} "
        f"{'mean G':>6} {'reject':>7} {'±SE':>6} {'cover':>7} {'±SE':>6} {'check':<8}"
    )


def line(r: CellResult) -> str:
    """One table line; check: type-I and coverage targets (null) or coverage (alternative)."""
    verdicts = [r.coverage_ok] + ([r.type_one_ok] if r.type_one_ok is not None else [])
    check = "ok" if all(verdicts) else "MISS"
    if r.failed:
        check += f" ({r.failed} failed)"
    return (
        f"{r.scenario:<11} {r.groups:>2} {r.icc:>4.2f} {r.kind:<13} {r.contrast:<16} "
        f"{r.trials:>6} {r.mean_groups:>6.1f} {r.rejected:>7.3f} {r.rejected_se:>6.3f} "
        f"{r.covered:>7.3f} {r.covered_se:>6.3f} {check:<8}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Run every cell and print the table (and write it as CSV on request)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--csv", default=None)
    parser.add_argument("--kinds", nargs="*", default=list(KINDS))
    parser.add_argument("--mrt", action="store_true", help="micro-randomized nudges (EMEE)")
    options = parser.parse_args(argv)
    if options.mrt:
        run_mrt(options.trials, options.seed)
        return
    protocol = load_protocol(STUDY_FILE)
    results: list[CellResult] = []
    print(header(), flush=True)
    started = time.perf_counter()
    for scenario in ("null", "alternative"):
        for groups in (5, 8):
            for icc in (0.05, 0.12):
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
    misses = sum(1 for r in results if not r.coverage_ok or r.type_one_ok is False)
    print(
        f"\n{len(results)} rows, {misses} outside the targets, "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    if options.csv:
        with open(options.csv, "w", encoding="utf-8") as out:
            out.write(
                "scenario,groups,icc,outcome,contrast,trials,mean_groups,rejected,"
                "rejected_se,covered,covered_se,failed\n"
            )
            for r in results:
                out.write(
                    f"{r.scenario},{r.groups},{r.icc},{r.kind},{r.contrast},{r.trials},"
                    f"{r.mean_groups:.2f},{r.rejected:.4f},{r.rejected_se:.4f},{r.covered:.4f},"
                    f"{r.covered_se:.4f},{r.failed}\n"
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
