"""Power of the protocol as designed, by simulation: the analysis the plan pre-specifies, run on
trials drawn as the protocol would run them (partially nested peer arm, unequal group sizes,
peer participants never placed, strata adjustment, t(G − 1), the multiplicity rule)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from experiments.analysis.contrasts import planned_contrasts, treatment_columns
from experiments.analysis.design import Design
from experiments.analysis.design_simulation import DesignSimulation, simulate_design
from experiments.analysis.models import ContrastValue, NotEstimable, fit_model, max_t_adjust
from experiments.analysis.power import achieved_power
from experiments.protocol import AnalysisPlan, OutcomeKind, Protocol

__all__ = [
    "ContrastPower",
    "SimulatedContrast",
    "analyse_design",
    "design_for",
    "format_design_power",
    "simulate_power",
]


@dataclass(frozen=True)
class SimulatedContrast:
    """One contrast in one simulated trial (model scale: log for ratios)."""

    label: str
    family: str
    truth: float
    estimate: float | None
    low: float | None
    high: float | None
    p_value: float | None
    p_adjusted: float | None


@dataclass(frozen=True)
class ContrastPower:
    """Simulated power of one contrast, its Monte Carlo SE and the closed-form check."""

    label: str
    family: str
    truth: float
    power: float
    mc_se: float
    closed_form: float | None
    groups: float | None


def design_for(
    protocol: Protocol,
    *,
    effect: float,
    participants: int,
    icc: float,
    kind: str = "money",
    unclustered: bool = False,
    group_sizes: tuple[int, int] | None = None,
) -> DesignSimulation:
    """The protocol's arms, weights and peer groups, with `effect` in every intervention arm.

    In a factorial plan each factor adds `effect` (no interaction).
    """
    design = Design.from_protocol(protocol)
    plan = protocol.analysis
    if plan is not None and plan.factorial is not None:
        effects = {
            arm.name: effect * sum(arm.has(f) for f in plan.factorial.factors)
            for arm in protocol.arms
        }
    else:
        effects = {arm: effect for arm in design.treatments}
    low, high = group_sizes or (protocol.groups.min_size, protocol.groups.max_size)
    return DesignSimulation(
        weights=design.weights,
        participants=participants,
        effects=effects,
        grouped=() if unclustered else design.grouped_arms,
        icc=icc,
        group_min=low,
        group_max=high,
        kind=kind,
    )


def analyse_design(
    frame: pd.DataFrame,
    protocol: Protocol,
    plan: AnalysisPlan,
    simulation: DesignSimulation,
    *,
    kind: OutcomeKind,
) -> tuple[list[SimulatedContrast], int]:
    """The pre-specified contrasts of one simulated trial, and the formed groups (G)."""
    treatments, grouped = treatment_columns(frame, protocol, plan)
    numeric = ["baseline"] if kind == "questionnaire" else []
    fit = fit_model(
        frame,
        kind=kind,
        outcome="y",
        treatments=treatments,
        grouped=grouped,
        factors=["age_band", "site"],
        numeric=numeric,
        exposure="exposure" if kind == "count" else None,
    )
    contrasts = planned_contrasts(protocol, plan)
    effects = simulation.effects
    rows: list[SimulatedContrast] = []
    values: list[ContrastValue] = []
    for label, weights, override, ones, others in contrasts:
        truth = float(np.mean([effects.get(a, 0.0) for a in ones])) - float(
            np.mean([effects.get(a, 0.0) for a in others])
        )
        family = override or "primary"
        if isinstance(fit, NotEstimable):
            rows.append(SimulatedContrast(label, family, truth, None, None, None, None, None))
            continue
        value = fit.contrast(weights)
        values.append(value)
        if value.estimate is None or value.se is None or value.unreliable:
            rows.append(SimulatedContrast(label, family, truth, None, None, None, None, None))
            continue
        low, high = value.interval(1 - plan.alpha)
        p = value.p_value()
        rows.append(SimulatedContrast(label, family, truth, value.estimate, low, high, p, p))
    if not isinstance(fit, NotEstimable):
        primary = [i for i, r in enumerate(rows) if r.family == "primary"]
        family_values = [values[i] for i in primary]
        if all(v.estimate is not None and v.weights is not None for v in family_values):
            adjusted, _c = max_t_adjust(
                family_values, fit.cov.to_numpy(), plan.alpha, plan.multiplicity, intervals=False
            )
            for i, corrected in zip(primary, adjusted, strict=True):
                r = rows[i]
                rows[i] = SimulatedContrast(
                    r.label, r.family, r.truth, r.estimate, r.low, r.high, r.p_value, corrected
                )
    groups = int(frame["group"].dropna().nunique())
    return rows, groups


def simulate_power(
    protocol: Protocol,
    *,
    simulations: int = 500,
    seed: int = 1,
    effect: float | None = None,
    icc: float | None = None,
    participants: int | None = None,
    unclustered: bool = False,
) -> list[ContrastPower]:
    """Power per contrast of the pre-specified analysis (a normal outcome, standardized)."""
    plan = protocol.analysis
    if plan is None:
        raise ValueError("the protocol has no [analysis] section")
    d = plan.effect_size if effect is None else effect
    n = plan.participants if participants is None else participants
    rho = plan.icc if icc is None else icc
    simulation = design_for(protocol, effect=d, participants=n, icc=rho, unclustered=unclustered)
    rng = np.random.default_rng(seed)
    hits: dict[str, list[bool]] = {}
    meta: dict[str, tuple[str, float]] = {}
    groups: list[int] = []
    for _ in range(simulations):
        frame = simulate_design(simulation, rng)
        rows, formed = analyse_design(frame, protocol, plan, simulation, kind="money")
        groups.append(formed)
        for r in rows:
            shown = r.p_adjusted if r.family == "primary" else r.p_value
            hits.setdefault(r.label, []).append(shown is not None and shown < plan.alpha)
            meta[r.label] = (r.family, r.truth)
    closed = _closed_forms(protocol, plan, simulation)
    result = []
    for label, found in hits.items():
        family, truth = meta[label]
        power = float(np.mean(found))
        se = math.sqrt(power * (1 - power) / len(found))
        mean_groups = float(np.mean(groups)) if simulation.grouped else None
        result.append(
            ContrastPower(label, family, truth, power, se, closed.get(label), mean_groups)
        )
    return result


def _closed_forms(
    protocol: Protocol, plan: AnalysisPlan, simulation: DesignSimulation
) -> dict[str, float]:
    """Two-sided t-test power, unclustered, Bonferroni over the primary family (Dunnett is a
    little less strict, so the simulation may come out slightly higher)."""
    contrasts = planned_contrasts(protocol, plan)
    weights = simulation.weights
    total = sum(weights.values())
    k = sum(1 for c in contrasts if c[2] is None)
    found = {}
    for label, _w, override, ones, others in contrasts:
        n_one = simulation.participants * sum(weights[a] for a in ones) / total
        n_other = simulation.participants * sum(weights[a] for a in others) / total
        truth = float(np.mean([simulation.effects.get(a, 0.0) for a in ones])) - float(
            np.mean([simulation.effects.get(a, 0.0) for a in others])
        )
        if truth == 0 or n_one < 2 or n_other < 2:
            continue
        alpha = plan.alpha / k if override is None else plan.alpha
        found[label] = achieved_power(n_one, abs(truth), alpha, ratio=n_other / n_one)
    return found


def format_design_power(
    rows: Sequence[ContrastPower], protocol: Protocol, simulations: int, unclustered: bool
) -> str:
    """The table `lotgenoot power --protocol` prints."""
    plan = protocol.analysis
    assert plan is not None
    lines = [
        f"Simulated {simulations} trials of {plan.participants} participants as the protocol "
        f"designs them: d = {plan.effect_size:g} in every intervention arm, "
        + (
            "no peer groups (unclustered check)"
            if unclustered
            else f"peer groups of {protocol.groups.min_size}–{protocol.groups.max_size} with ICC "
            f"{plan.icc:g}, 5% never placed"
        )
        + f"; strata-adjusted, {plan.multiplicity} over the primary family, alpha {plan.alpha:g}.",
        "",
        f"{'contrast':<34} {'family':<10} {'power':>6} {'± MC SE':>8} {'closed form':>12}"
        f" {'groups':>7}",
    ]
    for r in rows:
        closed = f"{r.closed_form:.3f}" if r.closed_form is not None else "–"
        groups = f"{r.groups:.1f}" if r.groups is not None else "–"
        lines.append(
            f"{r.label:<34} {r.family:<10} {r.power:>6.3f} {r.mc_se:>8.3f} {closed:>12} {groups:>7}"
        )
    lines += [
        "",
        "Closed form: two-sided t-test without clustering, Bonferroni over the primary family. "
        "Power below it shows what t(G − 1) with few groups and the design effect cost.",
    ]
    return "\n".join(lines)
