"""Pre-specified subgroup analyses, exploratory: does the effect on the primary outcome differ
between levels of a stratum (track, age band at allocation) or of a baseline context item (e.g.
"prevention vs cure": no debts vs debts at baseline)?

One model per subgroup: the primary outcome's model (same type, strata, covariates, CR2 errors
and degrees of freedom) with the level as a main effect (held by the stratum's own dummies when
the model adjusts for it) and its interaction with each treatment column. Reported per planned
contrast: the effect within each level, then the interaction (each level against the first,
the reference) with its p value: the test of whether the effect differs. People in no level
(prefer not to say, not answered) are left out of this analysis only. No multiplicity adjustment:
subgroup analyses support the primary analysis and are read as such (Wang et al. 2007).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from experiments.analysis.contrasts import Result, finish, planned_contrasts, treatment_columns
from experiments.analysis.models import Fitted, NotEstimable, fit_model
from experiments.analysis.outcome_frame import outcome_sample
from experiments.protocol import (
    AnalysisPlan,
    OutcomeSpec,
    Protocol,
    Subgroup,
    resolve_outcome,
)

__all__ = ["subgroup_results"]

_INTERACTION_NOTE = {
    "count": "ratio of the rate ratios (level / reference)",
    "binary": "ratio of the risk ratios (level / reference)",
    "money": "difference of the differences (level − reference)",
    "questionnaire": "difference of the differences (level − reference)",
}


def subgroup_results(
    frame: pd.DataFrame,
    protocol: Protocol,
    plan: AnalysisPlan,
    wave: int | None,
    prespecified: bool,
) -> list[Result]:
    """Every pre-specified subgroup analysis of the primary outcome, as result rows."""
    spec = resolve_outcome(plan.primary, protocol)
    if spec is None:
        return []
    rows: list[Result] = []
    for subgroup in plan.subgroup_analyses:
        rows += _one(frame, protocol, plan, spec, subgroup, wave, prespecified)
    return rows


def _one(
    frame: pd.DataFrame,
    protocol: Protocol,
    plan: AnalysisPlan,
    spec: OutcomeSpec,
    subgroup: Subgroup,
    wave: int | None,
    prespecified: bool,
) -> list[Result]:
    data, column = outcome_sample(frame, spec, wave)
    item = subgroup.column
    answers = data[item] if item in data.columns else pd.Series(pd.NA, index=data.index)
    level = answers.map(lambda value: subgroup.level_of(_value(value, subgroup.by_stratum)))
    data = data.assign(_level=level)[level.notna()].reset_index(drop=True)
    names = list(subgroup.levels)
    reference, others = names[0], names[1:]
    treatments, grouped = treatment_columns(data, protocol, plan)
    for name in others:
        data[f"level_{name}"] = (data["_level"] == name).astype(float)
    columns = dict(treatments)
    for name in others:
        for treatment, values in treatments.items():
            columns[f"{treatment}×{name}"] = values * data[f"level_{name}"]
    factors = [c for c in plan.covariate_columns if c in data.columns]
    # A level is a union of the split variable's values: when the model adjusts for that
    # variable already, its dummies hold the level's main effect.
    numeric = [] if item in factors else [f"level_{name}" for name in others]
    if spec.kind == "questionnaire" and plan.baseline_covariate:
        numeric += [c for c in (f"baseline_{spec.name}",) if c in data.columns]
    fit = _too_few(treatments, data, names) or fit_model(
        data,
        kind=spec.kind,
        outcome=column,
        treatments=columns,
        grouped=[c for c in columns if c.split("×")[0] in grouped],
        factors=factors,
        numeric=numeric,
        exposure="exposure" if spec.kind == "count" else None,
        degrees_of_freedom=plan.degrees_of_freedom,
    )
    analysis = f"exploratory, pre-specified subgroup analysis: {subgroup.label} ({subgroup.item})"
    rows = []
    for text, weights, override, ones, rest in planned_contrasts(protocol, plan):
        if override is not None:  # secondary contrasts stay in the secondary family
            continue
        for name in names:
            mine = data[data["_level"] == name]
            at = {} if name == reference else {f"{t}×{name}": w for t, w in weights.items()}
            base = _base(spec, f"{text}, {name}", analysis, prespecified, mine, column, ones, rest)
            rows.append(_estimate(base, fit, {**weights, **at}, plan))
        for name in others:
            interaction = {f"{t}×{name}": w for t, w in weights.items()}
            label = f"{text}: {name} vs {reference} (interaction)"
            base = _base(spec, label, analysis, prespecified, data, column, ones, rest)
            base = replace(base, note=_INTERACTION_NOTE[spec.kind])
            rows.append(_estimate(base, fit, interaction, plan))
    return rows


def _value(value: object, by_stratum: bool) -> object:
    """A split variable's value as the plan names it: a stratum's label, an answer's number."""
    if value is None or pd.isna(value):
        return None
    return str(value) if by_stratum else int(value)  # type: ignore[call-overload]


def _too_few(
    treatments: dict[str, pd.Series], data: pd.DataFrame, names: list[str]
) -> NotEstimable | None:
    """Why the interaction model cannot be fitted: fewer than 2 people with or without a
    treatment within some level."""
    for name in names:
        inside = (data["_level"] == name).to_numpy()
        for treatment, values in treatments.items():
            given = values.to_numpy(dtype=float)[inside]
            if given.sum() < 2 or (1 - given).sum() < 2:
                return NotEstimable(
                    f"too little data: fewer than 2 participants in {treatment} or without it "
                    f"at level {name}"
                )
    return None


def _base(
    spec: OutcomeSpec,
    contrast: str,
    analysis: str,
    prespecified: bool,
    data: pd.DataFrame,
    column: str,
    ones: tuple[str, ...],
    rest: tuple[str, ...],
) -> Result:
    n = (int(data["arm"].isin(ones).sum()), int(data["arm"].isin(rest).sum()))
    summary = (_observed(data, spec, column, ones), _observed(data, spec, column, rest))
    return Result(spec, contrast, "subgroup", analysis, prespecified, n, summary)


def _observed(
    data: pd.DataFrame, spec: OutcomeSpec, column: str, arms: tuple[str, ...]
) -> float | None:
    wanted = [column, "exposure"] if spec.kind == "count" else [column]
    part = data.loc[data["arm"].isin(arms), wanted]  # only these columns: the frame is wide
    if part.empty:
        return None
    if spec.kind == "count":
        exposure = float(part["exposure"].sum())
        return float(part[column].sum()) / exposure if exposure > 0 else None
    return float(np.mean(part[column].to_numpy(dtype=float)))


def _estimate(
    base: Result, fit: Fitted | NotEstimable, weights: dict[str, float], plan: AnalysisPlan
) -> Result:
    if isinstance(fit, NotEstimable):
        return replace(base, note="", not_estimable=fit)
    value = fit.contrast(weights)
    done = finish(base, value, plan.alpha, fit)
    return replace(done, note="") if done.not_estimable is not None else done


def describe_subgroups(plan: AnalysisPlan) -> list[str]:
    """The plan's subgroup analyses in words, for the analysis plan and the report."""
    if not plan.subgroup_analyses:
        return []
    said = [
        f"{s.label} (exploratory): {_split(s.item)}, "
        + " vs ".join(
            f"{level} ({_named(s)} {', '.join(map(str, values))})"
            for level, values in s.levels.items()
        )
        + f"; {next(iter(s.levels))} is the reference."
        for s in plan.subgroup_analyses
    ]
    return [
        *said,
        f"Each on the primary outcome ({plan.primary}): its model (the same type, covariates, "
        "clustered CR2 standard errors and degrees of freedom), with the level and its "
        "interaction with each treatment column added; the effect within each level, and the "
        "interaction test (does the effect differ?) with its p value. People in no level "
        "(preferred not to say, did not answer) are left out of that analysis only. Exploratory: "
        "no multiplicity adjustment, supportive of the primary analysis, not a claim on its own.",
    ]


def _split(item: str) -> str:
    return {"track": "track at intake", "age_band": "age band at allocation"}.get(item, item)


def _named(subgroup: Subgroup) -> str:
    if not subgroup.by_stratum:
        return "answers"
    return "tracks" if subgroup.item == "track" else "age bands"
