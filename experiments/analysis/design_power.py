"""Power of the protocol as designed, by simulation: the analysis the plan pre-specifies, run on
trials drawn as the protocol would run them (the primary outcome's own type, partially nested
peer arm, unequal group sizes, peer participants never placed, strata adjustment, the plan's
degrees of freedom, the multiplicity rule)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from experiments.analysis.contrasts import planned_contrasts, treatment_columns
from experiments.analysis.design import Design
from experiments.analysis.design_simulation import DesignSimulation, simulate_design
from experiments.analysis.models import (
    ContrastValue,
    Fitted,
    NotEstimable,
    fit_model,
    max_t_adjust,
)
from experiments.analysis.power import achieved_power
from experiments.analysis.power_assumptions import (
    SECONDS_PER_WEEK,
    PrimaryAssumptions,
    primary_assumptions,
)
from experiments.protocol import AnalysisPlan, OutcomeKind, Protocol

__all__ = [
    "ContrastPower",
    "SimulatedContrast",
    "analyse_design",
    "design_contrasts",
    "design_for",
    "fit_design",
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
    df: float | None = None  # the t reference (None: normal)


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
    """The protocol's arms, weights and peer groups, with `effect` (on the model's scale) in
    every intervention arm, and the plan's assumptions about counts and shares.

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
    simulation = DesignSimulation(
        weights=design.weights,
        participants=participants,
        effects=effects,
        grouped=() if unclustered else design.grouped_arms,
        icc=icc,
        group_min=low,
        group_max=high,
        kind=kind,
    )
    if plan is None:
        return simulation
    return replace(
        simulation,
        base_rate=plan.base_rate,
        base_risk=plan.base_risk,
        dispersion=plan.dispersion,
        exposure_weeks=plan.follow_up.total_seconds() / SECONDS_PER_WEEK,
    )


def fit_design(
    frame: pd.DataFrame, protocol: Protocol, plan: AnalysisPlan, *, kind: OutcomeKind
) -> Fitted | NotEstimable:
    """The pre-specified model of one simulated trial (strata-adjusted, the plan's df)."""
    treatments, grouped = treatment_columns(frame, protocol, plan)
    return fit_model(
        frame,
        kind=kind,
        outcome="y",
        treatments=treatments,
        grouped=grouped,
        factors=["age_band", "site"],
        numeric=["baseline"] if kind == "questionnaire" else [],
        exposure="exposure" if kind == "count" else None,
        degrees_of_freedom=plan.degrees_of_freedom,
    )


def analyse_design(
    frame: pd.DataFrame,
    protocol: Protocol,
    plan: AnalysisPlan,
    simulation: DesignSimulation,
    *,
    kind: OutcomeKind,
    decide: float | None = None,
) -> tuple[list[SimulatedContrast], int]:
    """The pre-specified contrasts of one simulated trial, and the formed groups (G);
    `decide`: as in `design_contrasts`."""
    fit = fit_design(frame, protocol, plan, kind=kind)
    groups = int(frame["group"].dropna().nunique())
    return design_contrasts(fit, protocol, plan, simulation, decide=decide), groups


def design_contrasts(
    fit: Fitted | NotEstimable,
    protocol: Protocol,
    plan: AnalysisPlan,
    simulation: DesignSimulation,
    *,
    adjust: bool = True,
    decide: float | None = None,
) -> list[SimulatedContrast]:
    """Each planned contrast of a fitted simulated trial; `adjust`: the multiplicity rule over
    the primary family (otherwise p_adjusted is the raw p value).

    `decide`: only whether each adjusted p value is below this level is wanted. When the raw p
    values already settle that (Dunnett's p lies between the raw p and Bonferroni's), the
    multivariate t integrals are skipped and p_adjusted is the bound that settles it.
    """
    effects = simulation.effects
    rows: list[SimulatedContrast] = []
    values: list[ContrastValue] = []
    for label, weights, override, ones, others in planned_contrasts(protocol, plan):
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
        rows.append(
            SimulatedContrast(label, family, truth, value.estimate, low, high, p, p, value.df)
        )
    if adjust and not isinstance(fit, NotEstimable):
        primary = [i for i, r in enumerate(rows) if r.family == "primary"]
        family_values = [values[i] for i in primary]
        if all(v.estimate is not None and v.weights is not None for v in family_values):
            bounds = _settled([rows[i].p_value for i in primary], decide)
            adjusted = (
                bounds
                or max_t_adjust(
                    family_values,
                    fit.cov.to_numpy(),
                    plan.alpha,
                    plan.multiplicity,
                    intervals=False,
                )[0]
            )
            for i, corrected in zip(primary, adjusted, strict=True):
                rows[i] = replace(rows[i], p_adjusted=corrected)
    return rows


def _settled(raw: list[float | None], decide: float | None) -> list[float | None] | None:
    """The raw p values where they are at least `decide`, Bonferroni's where those are below
    it, if that holds for every p value of the family (else None: compute the adjustment)."""
    k = len(raw)
    if decide is None or k < 2 or any(p is None for p in raw):
        return None
    found: list[float | None] = []
    for p in raw:
        assert p is not None
        if p >= decide:
            found.append(p)
        elif k * p < decide:
            found.append(k * p)
        else:
            return None
    return found


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
    """Power per contrast of the pre-specified analysis, simulating the primary outcome's own
    type (`primary_assumptions`) in the participants its analysis has (its track's share);
    `effect` replaces the plan's standardized effect size (and any ratio it gives)."""
    plan = protocol.analysis
    if plan is None:
        raise ValueError("the protocol has no [analysis] section")
    if effect is not None:
        plan = plan.model_copy(
            update={"effect_size": effect, "rate_ratio": None, "risk_ratio": None}
        )
    if icc is not None:
        plan = plan.model_copy(update={"icc": icc})
    if participants is not None:
        plan = plan.model_copy(update={"participants": participants})
    protocol = protocol.model_copy(update={"analysis": plan})
    primary = primary_assumptions(protocol, plan)
    if primary.problem is not None:
        raise ValueError(primary.problem)
    simulation = design_for(
        protocol,
        effect=primary.effect,
        participants=primary.analysed(plan.participants),
        icc=plan.icc,
        kind=primary.kind,
        unclustered=unclustered,
    )
    rng = np.random.default_rng(seed)
    hits: dict[str, list[bool]] = {}
    meta: dict[str, tuple[str, float]] = {}
    groups: list[int] = []
    for _ in range(simulations):
        frame = simulate_design(simulation, rng)
        rows, formed = analyse_design(
            frame, protocol, plan, simulation, kind=primary.kind, decide=plan.alpha
        )
        groups.append(formed)
        for r in rows:
            shown = r.p_adjusted if r.family == "primary" else r.p_value
            hits.setdefault(r.label, []).append(shown is not None and shown < plan.alpha)
            meta[r.label] = (r.family, r.truth)
    closed = _closed_forms(protocol, plan, simulation, primary)
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
    protocol: Protocol,
    plan: AnalysisPlan,
    simulation: DesignSimulation,
    primary: PrimaryAssumptions,
) -> dict[str, float]:
    """Two-sided t-test power at the standardized effect (the normal approximation),
    unclustered, Bonferroni over the primary family (Dunnett is a little less strict, so the
    simulation may come out slightly higher)."""
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
        if truth == 0 or n_one < 2 or n_other < 2 or primary.effect == 0:
            continue
        # the contrast's effect in units of the primary's, standardized
        size = abs(primary.standardized * truth / primary.effect)
        alpha = plan.alpha / k if override is None else plan.alpha
        found[label] = achieved_power(n_one, size, alpha, ratio=n_other / n_one)
    return found
