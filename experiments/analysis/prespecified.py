"""The analysis the protocol pre-specifies: per outcome, the model its type calls for (ANCOVA on
the baseline score for questionnaires, Poisson with exposure for counts, linear for money), every
contrast, the families and their multiplicity adjustment, and the sensitivity analyses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

import pandas as pd  # type: ignore[import-untyped]

from experiments.analysis.contrasts import (
    Family,
    Result,
    finish,
    planned_contrasts,
    treatment_columns,
)
from experiments.analysis.icc import IccEstimate, icc_estimates
from experiments.analysis.imputation import Analyse, Analysed
from experiments.analysis.lee import LeeBounds, lee_bounds
from experiments.analysis.missing_data import Completion, completion, mice_results
from experiments.analysis.models import (
    FIT_ERRORS,
    ContrastValue,
    Fitted,
    NotEstimable,
    fit_model,
    holm,
    max_t_adjust,
    reporting_scale,
)
from experiments.analysis.nonresponse import nonresponse_results
from experiments.analysis.outcome_frame import outcome_frame, outcome_sample, plan_of
from experiments.analysis.persistence import persistence_sample, persistence_unavailable
from experiments.analysis.subgroups import subgroup_results
from experiments.protocol import (
    EVENT_OUTCOMES,
    AnalysisPlan,
    OutcomeSpec,
    Protocol,
    follow_up_wave,
    resolve_outcome,
    wave_times,
)

__all__ = ["TrialAnalysis", "adjust_primary", "analyse", "outcome_results"]


@dataclass(frozen=True)
class TrialAnalysis:
    """Everything the report shows about the pre-specified analysis."""

    plan: AnalysisPlan
    registered_plan: bool  # False: no [analysis] section, so every result is exploratory
    results: list[Result]
    completion: list[Completion]
    iccs: list[IccEstimate]
    lee: list[LeeBounds]
    wave: int | None
    people: pd.DataFrame = field(repr=False)

    @property
    def primary(self) -> list[Result]:
        """The primary family's rows, in protocol order."""
        return [r for r in self.results if r.family == "primary"]


def analyse(
    tables: Mapping[str, pd.DataFrame],
    protocol: Protocol,
    as_of: datetime,
    *,
    imputations: int = 5,
) -> TrialAnalysis:
    """Run the protocol's analysis plan (or, without one, the same models as exploratory)."""
    plan, registered = plan_of(protocol)
    frame = outcome_frame(tables, protocol, as_of)
    wave = follow_up_wave(protocol) or (len(wave_times(protocol.schedule)) or None)
    results: list[Result] = []
    for index, name in enumerate(plan.outcomes):
        spec = resolve_outcome(name, protocol)
        if spec is None:
            continue
        family: Family = "primary" if index == 0 else "secondary"
        results += outcome_results(frame, protocol, plan, spec, family, wave, registered)
    _adjust(results, plan)
    named = set(plan.outcomes)
    for spec in EVENT_OUTCOMES:
        if spec.name not in named:
            results += outcome_results(frame, protocol, plan, spec, "exploratory", wave, False)
    for name in plan.outcomes:
        spec = resolve_outcome(name, protocol)
        if spec is None:
            continue
        family = "sensitivity" if registered else "exploratory"
        ending = plan.strategy("stopped_participating", "sensitivity") == "while_on_treatment"
        if spec.kind == "count" and (ending or not registered):
            results += outcome_results(
                frame, protocol, plan, spec, family, wave, registered, loss=True
            )
        if spec.kind == "questionnaire" and wave is not None:
            ancova = _ancova(protocol, plan, spec, wave, registered)
            results += mice_results(
                frame, protocol, plan, spec, wave, registered, imputations, ancova
            )
            results += nonresponse_results(frame, tables, protocol, plan, spec, wave, registered)
            for other in range(1, len(wave_times(protocol.schedule)) + 1):
                if other != wave:
                    results += outcome_results(
                        frame, protocol, plan, spec, "exploratory", other, False
                    )
    results += subgroup_results(frame, protocol, plan, wave, registered)
    results += _persistence(frame, protocol, plan, wave)
    primary = resolve_outcome(plan.primary, protocol)
    lee = lee_bounds(frame, protocol, primary, wave) if primary is not None else []
    return TrialAnalysis(
        plan=plan,
        registered_plan=registered,
        results=results,
        completion=completion(frame, protocol, as_of),
        iccs=icc_estimates(frame, protocol, plan, wave),
        lee=lee,
        wave=wave,
        people=frame,
    )


def _ancova(
    protocol: Protocol, plan: AnalysisPlan, spec: OutcomeSpec, wave: int, registered: bool
) -> Analyse:
    """The plan's own ANCOVA of one completed data set (multiple imputation analyses each)."""

    def analyse(data: pd.DataFrame) -> Analysed:
        family: Family = "sensitivity" if registered else "exploratory"
        return _outcome(data, protocol, plan, spec, family, wave, registered, False)

    return analyse


def _persistence(
    frame: pd.DataFrame, protocol: Protocol, plan: AnalysisPlan, wave: int | None
) -> list[Result]:
    """The primary count in the follow-up phase after the end, by arm (exploratory)."""
    found = persistence_sample(frame, protocol, plan)
    if found is None:
        return []
    spec, data = found
    if data.empty:
        return persistence_unavailable(spec, protocol, plan)
    return outcome_results(data, protocol, plan, spec, "exploratory", wave, False)


def _summary(
    data: pd.DataFrame, spec: OutcomeSpec, column: str, arms: Sequence[str], loss: bool
) -> float | None:
    rows = data["arm"].isin(arms).to_numpy()
    if not rows.any():
        return None
    if spec.kind == "count":  # only the columns it needs: the frame is wide
        exposure = data.loc[rows, "exposure_loss" if loss else "exposure"].sum()
        return float(data.loc[rows, column].sum() / exposure) if exposure > 0 else None
    return float(data.loc[rows, column].mean())


def outcome_results(
    frame: pd.DataFrame,
    protocol: Protocol,
    plan: AnalysisPlan,
    spec: OutcomeSpec,
    family: Family,
    wave: int | None,
    prespecified: bool,
    *,
    loss: bool = False,
) -> list[Result]:
    """Every contrast of one outcome: each arm vs control (or main effects), then the rest."""
    rows, values, fit = _outcome(frame, protocol, plan, spec, family, wave, prespecified, loss)
    if family == "primary" and isinstance(fit, Fitted):
        adjust_primary(rows, values, fit, plan)
    return rows


def _outcome(
    frame: pd.DataFrame,
    protocol: Protocol,
    plan: AnalysisPlan,
    spec: OutcomeSpec,
    family: Family,
    wave: int | None,
    prespecified: bool,
    loss: bool,
) -> tuple[list[Result], list[ContrastValue | None], Fitted | NotEstimable | None]:
    data, column = outcome_sample(frame, spec, wave)
    if loss:
        column = f"{spec.name}_loss"
    label = _analysis_label(spec, plan, wave, loss)
    covariates = [c for c in plan.covariate_columns if c in data.columns]
    numeric = [f"baseline_{spec.name}"] if spec.kind == "questionnaire" else []
    numeric = [c for c in numeric if c in data.columns and plan.baseline_covariate]
    exposure = ("exposure_loss" if loss else "exposure") if spec.kind == "count" else None
    fits: dict[bool, Fitted | NotEstimable] = {}

    def fitted(interaction: bool) -> Fitted | NotEstimable:
        if interaction not in fits:
            treatments, grouped = treatment_columns(data, protocol, plan, interaction)
            fits[interaction] = fit_model(
                data,
                kind=spec.kind,
                outcome=column,
                treatments=treatments,
                grouped=grouped,
                factors=covariates,
                numeric=numeric,
                exposure=exposure,
                degrees_of_freedom=plan.degrees_of_freedom,
            )
        return fits[interaction]

    rows: list[Result] = []
    values: list[ContrastValue | None] = []
    contrasts = planned_contrasts(protocol, plan)
    if plan.factorial is not None and plan.factorial.interaction:
        first, second = plan.factorial.factors
        both = tuple(a.name for a in protocol.arms if a.has(first) and a.has(second))
        other = tuple(a.name for a in protocol.arms if a.name not in both)
        name = f"{first}:{second}"
        contrasts.append((f"interaction {first} × {second}", {name: 1.0}, "secondary", both, other))
    for text, weights, override, ones, others in contrasts:
        interaction = ":" in next(iter(weights))
        mine: Family = override if (override and family == "primary") else family
        n = (int(data["arm"].isin(ones).sum()), int(data["arm"].isin(others).sum()))
        summary = (
            _summary(data, spec, column, ones, loss),
            _summary(data, spec, column, others, loss),
        )
        base = Result(spec, text, mine, label, prespecified, n, summary)
        fit = fitted(interaction)
        if isinstance(fit, NotEstimable):
            if spec.kind == "questionnaire" and data.empty:
                fit = NotEstimable(f"no follow-up {wave} scores with a baseline score yet")
            rows.append(replace(base, not_estimable=fit))
            values.append(None)
            continue
        value = fit.contrast(weights)
        row = finish(base, value, plan.alpha, fit)
        rows.append(row)
        values.append(None if interaction or row.not_estimable else value)
    return rows, values, fits.get(False)


def _analysis_label(spec: OutcomeSpec, plan: AnalysisPlan, wave: int | None, loss: bool) -> str:
    if loss:
        return "exposure ends at withdrawal or loss"
    if spec.kind == "questionnaire":
        return f"ANCOVA at follow-up {wave}, complete cases"
    return "ITT, adjusted for strata"


def _adjust(results: list[Result], plan: AnalysisPlan) -> None:
    """Holm over the secondary family (the primary family is adjusted where it is fitted)."""
    secondary = [i for i, r in enumerate(results) if r.family == "secondary"]
    adjusted = holm([results[i].p_value for i in secondary])
    for i, p in zip(secondary, adjusted, strict=True):
        results[i] = replace(results[i], p_adjusted=p, adjustment="Holm" if p is not None else "")


def adjust_primary(
    results: list[Result],
    values: Sequence[ContrastValue | None],
    fit: Fitted,
    plan: AnalysisPlan,
) -> None:
    """Dunnett or Bonferroni over the primary family's estimable contrasts (`values` beside
    `results`, None where there is none): adjusted p and simultaneous CIs."""
    family = [
        (i, v)
        for i, (r, v) in enumerate(zip(results, values, strict=True))
        if r.family == "primary" and v is not None
    ]
    if not family:
        return
    rule = plan.multiplicity
    estimable = [v for _i, v in family]
    try:
        adjusted, critical = max_t_adjust(estimable, fit.cov.to_numpy(), plan.alpha, rule)
    except FIT_ERRORS:  # a degenerate correlation of the contrasts: Bonferroni always works
        rule = "bonferroni"
        adjusted, critical = max_t_adjust(estimable, fit.cov.to_numpy(), plan.alpha, rule)
    for (i, v), p, c in zip(family, adjusted, critical, strict=True):
        row = replace(results[i], p_adjusted=p, adjustment=rule.capitalize())
        if c is not None and v.estimate is not None and v.se is not None:
            low, high = v.estimate - c * v.se, v.estimate + c * v.se
            shown = reporting_scale(v.estimate, low, high, ratio=fit.ratio)
            if isinstance(shown, NotEstimable):
                row = _without_estimate(row, shown)
            else:
                row = replace(row, low=shown[1], high=shown[2])
        results[i] = row


def _without_estimate(row: Result, reason: NotEstimable) -> Result:
    return replace(
        row,
        estimate=None,
        low=None,
        high=None,
        p_value=None,
        p_adjusted=None,
        df=None,
        not_estimable=reason,
    )
