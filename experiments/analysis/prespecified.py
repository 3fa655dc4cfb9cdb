"""The analysis the protocol pre-specifies: outcomes, contrasts, families, sensitivity analyses."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from scipy import stats  # type: ignore[import-untyped]

from experiments.analysis.descriptives import analysed
from experiments.analysis.design import Design
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
from experiments.protocol.analysis_plan import AnalysisPlan, follow_up_wave, resolve_outcome
from experiments.protocol.document import Protocol
from experiments.protocol.outcomes import EVENT_OUTCOMES, OutcomeSpec
from experiments.protocol.sections import Component
from experiments.records.ledger_frames import done_frame

__all__ = [
    "Completion",
    "IccEstimate",
    "LeeBounds",
    "NotEstimable",
    "Result",
    "TrialAnalysis",
    "analyse",
    "completion",
    "icc_with_ci",
    "lee_bounds",
    "outcome_frame",
]

Family = Literal["primary", "secondary", "exploratory", "sensitivity"]
_WEEK = timedelta(days=7)
_DEFAULT_SECONDARY = ("saved_eur", "applications", "placement")


@dataclass(frozen=True)
class Result:
    """One contrast on one outcome in one analysis, labelled by its place in the plan."""

    outcome: OutcomeSpec
    contrast: str
    family: Family
    analysis: str
    prespecified: bool
    n: tuple[int, int]
    summary: tuple[float | None, float | None]  # observed mean/rate/share in the two groups
    estimate: float | None = None
    low: float | None = None
    high: float | None = None
    p_value: float | None = None
    p_adjusted: float | None = None
    adjustment: str = ""
    df: int | None = None
    groups: int | None = None
    note: str = ""  # a caveat of an estimate (never why there is none: that is not_estimable)
    not_estimable: NotEstimable | None = None  # set exactly when there is no estimate

    @property
    def measure(self) -> str:
        """What the estimate is."""
        return self.outcome.measure


@dataclass(frozen=True)
class Completion:
    """Questionnaire completion of one follow-up wave in one arm."""

    arm: str
    wave: int
    due: int
    completed: int

    @property
    def share(self) -> float | None:
        """Completed among those due, or None when nobody was due yet."""
        return self.completed / self.due if self.due else None


@dataclass(frozen=True)
class IccEstimate:
    """The ICC(1) of an outcome among one arm's group members, with its 95% CI (F method)."""

    outcome: OutcomeSpec
    arm: str
    groups: int
    members: int
    icc: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class LeeBounds:
    """Lee (2009) bounds on the difference among those observed, trimming the better-kept arm."""

    outcome: OutcomeSpec
    contrast: str
    observed: tuple[float, float]  # share observed in the arm and in control
    low: float | None
    high: float | None
    scale: str
    not_estimable: NotEstimable | None = None


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


def _plan(protocol: Protocol) -> tuple[AnalysisPlan, bool]:
    if protocol.analysis is not None:
        return protocol.analysis, True
    asked = [i for i in protocol.questionnaires.follow_up if i in protocol.questionnaires.baseline]
    fallback = AnalysisPlan(primary="deposits", secondary=(*_DEFAULT_SECONDARY, *asked))
    return fallback, False


def outcome_frame(
    tables: Mapping[str, pd.DataFrame], protocol: Protocol, as_of: datetime
) -> pd.DataFrame:
    """One row per analysed participant: strata, group, exposure and every outcome in the window.

    Exposure runs from allocation to the end of the follow-up window or the data date, whichever
    is first; `*_loss` columns end it at withdrawal, loss (bot blocked) or erasure instead.
    """
    plan, _registered = _plan(protocol)
    design = Design.from_protocol(protocol)
    people = analysed(tables, design).reset_index(drop=True)
    keep = ["pseudonym", "arm", "track", "age_band", "site", "allocated_at"]
    frame = people[keep].copy()
    frame["allocated_at"] = pd.to_datetime(frame["allocated_at"], utc=True)
    start = frame["allocated_at"]
    end = (start + plan.follow_up).where(start + plan.follow_up < pd.Timestamp(as_of), as_of)
    lost = pd.concat(
        [
            pd.to_datetime(people[c], utc=True)
            for c in ("withdrawn_at", "erased_at", "unreachable_since")
            if c in people
        ]
        or [pd.Series(pd.NaT, index=people.index, dtype="datetime64[ns, UTC]")],
        axis=1,
    ).min(axis=1)
    end_loss = end.where(lost.isna() | (lost >= end), lost)
    frame["exposure"] = ((end - start) / _WEEK).astype("float64").clip(lower=1 / 7)
    frame["exposure_loss"] = ((end_loss - start) / _WEEK).astype("float64").clip(lower=1 / 7)
    frame["lost"] = lost.notna() & (lost < end)
    events = tables["events"]
    index = frame.set_index("pseudonym")
    for suffix, until in (("", end), ("_loss", end_loss)):
        stop = pd.Series(pd.to_datetime(until.to_numpy(), utc=True), index=frame["pseudonym"])
        sums = _event_sums(events, index["allocated_at"], stop)
        for name in ("deposits", "saved_eur", "applications", "interviews", "placement"):
            column = frame["pseudonym"].map(sums[name]) if name in sums else None
            values = column.fillna(0) if column is not None else 0.0
            frame[name + suffix] = np.asarray(values, dtype="float64")
    frame["deposits"] = frame["deposits"].clip(lower=0)
    frame["deposits_loss"] = frame["deposits_loss"].clip(lower=0)
    frame["placement"] = (frame["placement"] > 0).astype("float64")
    frame["group"] = _groups(tables, frame)
    scores = tables["survey_scores"]
    for column in people.columns:
        if column.startswith("baseline_"):
            frame[column] = people[column].astype("float64").to_numpy()
    for wave in range(1, len(protocol.schedule.survey_times) + 1):
        mine = scores[scores["wave"] == f"followup-{wave}"]
        frame[f"answered_{wave}"] = frame["pseudonym"].isin(set(mine["pseudonym"]))
        for instrument, rows in mine.groupby("instrument"):
            by_person = rows.drop_duplicates("pseudonym").set_index("pseudonym")["score"]
            frame[f"followup{wave}_{instrument}"] = frame["pseudonym"].map(by_person)
    return frame


def _event_sums(
    events: pd.DataFrame, allocated: pd.Series, until: pd.Series
) -> dict[str, pd.Series]:
    """Each person's outcomes from allocation up to `until`, counted by `experiments.records.ledger`."""
    if events.empty:
        return {}
    totals = done_frame(events, allocated.to_dict(), until.to_dict())
    return {name: totals[name] for name in totals.columns}


def _groups(tables: Mapping[str, pd.DataFrame], frame: pd.DataFrame) -> pd.Series:
    members = tables.get("memberships")
    if members is None or members.empty or "group_id" not in members.columns:
        return pd.Series([pd.NA] * len(frame), index=frame.index, dtype="Int64")
    first = members.dropna(subset=["group_id"]).drop_duplicates("pseudonym")
    return frame["pseudonym"].map(first.set_index("pseudonym")["group_id"]).astype("Int64")


def analyse(
    tables: Mapping[str, pd.DataFrame],
    protocol: Protocol,
    as_of: datetime,
    *,
    imputations: int = 5,
) -> TrialAnalysis:
    """Run the protocol's analysis plan (or, without one, the same models as exploratory)."""
    plan, registered = _plan(protocol)
    frame = outcome_frame(tables, protocol, as_of)
    wave = follow_up_wave(protocol) or (len(protocol.schedule.survey_times) or None)
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
        if spec.kind == "count":
            results += outcome_results(
                frame, protocol, plan, spec, family, wave, registered, loss=True
            )
        if spec.kind == "questionnaire" and wave is not None:
            results += mice_results(frame, protocol, plan, spec, wave, registered, imputations)
            for other in range(1, len(protocol.schedule.survey_times) + 1):
                if other != wave:
                    results += outcome_results(
                        frame, protocol, plan, spec, "exploratory", other, False
                    )
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


def _sample(frame: pd.DataFrame, spec: OutcomeSpec, wave: int | None) -> tuple[pd.DataFrame, str]:
    data = frame if spec.track is None else frame[frame["track"] == spec.track]
    if spec.kind != "questionnaire":
        return data, spec.name
    column = f"followup{wave}_{spec.name}"
    if column not in data.columns:
        return data.iloc[0:0].assign(**{column: []}), column
    needed = [column, f"baseline_{spec.name}"] if f"baseline_{spec.name}" in data else [column]
    return data.dropna(subset=needed), column


def _treatments(
    data: pd.DataFrame, protocol: Protocol, plan: AnalysisPlan, interaction: bool = False
) -> tuple[dict[str, pd.Series], list[str]]:
    design = Design.from_protocol(protocol)
    if plan.factorial is None:
        dummies = {arm: (data["arm"] == arm).astype(float) for arm in design.treatments}
        return dummies, [arm for arm in design.treatments if arm in design.grouped_arms]
    first, second = plan.factorial.factors
    has = {c: [a.name for a in protocol.arms if a.has(c)] for c in (first, second)}
    columns = {str(c): data["arm"].isin(has[c]).astype(float) for c in (first, second)}
    if interaction:
        columns[f"{first}:{second}"] = columns[str(first)] * columns[str(second)]
    grouped = [name for name in columns if str(Component.PEER_GROUP) in name]
    return columns, grouped


_Contrast = tuple[str, dict[str, float], Family | None, tuple[str, ...], tuple[str, ...]]


def _contrasts(protocol: Protocol, plan: AnalysisPlan) -> list[_Contrast]:
    """(label, weights, family override, arms in the first group, arms in the second group)."""
    design = Design.from_protocol(protocol)
    rows: list[_Contrast]
    if plan.factorial is not None:
        first, second = plan.factorial.factors
        rows = []
        for factor in (first, second):
            yes = tuple(a.name for a in protocol.arms if a.has(factor))
            no = tuple(a.name for a in protocol.arms if not a.has(factor))
            rows.append((f"main effect of {factor}", {str(factor): 1.0}, None, yes, no))
        return rows
    rows = [
        (f"{arm} vs {design.control}", {arm: 1.0}, None, (arm,), (design.control,))
        for arm in design.treatments
    ]
    for a, b in plan.secondary_contrasts:
        weights = {a: 1.0} if b == design.control else {a: 1.0, b: -1.0}
        if a == design.control:
            weights = {b: -1.0}
        rows.append((f"{a} vs {b}", weights, "secondary", (a,), (b,)))
    return rows


def _summary(
    data: pd.DataFrame, spec: OutcomeSpec, column: str, arms: Sequence[str], loss: bool
) -> float | None:
    part = data[data["arm"].isin(arms)]
    if part.empty:
        return None
    if spec.kind == "count":
        exposure = part["exposure_loss" if loss else "exposure"].sum()
        return float(part[column].sum() / exposure) if exposure > 0 else None
    return float(part[column].mean())


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
    data, column = _sample(frame, spec, wave)
    if loss:
        column = f"{spec.name}_loss"
    label = _analysis_label(spec, plan, wave, loss)
    covariates = [c for c in plan.covariates if c in data.columns]
    numeric = [f"baseline_{spec.name}"] if spec.kind == "questionnaire" else []
    numeric = [c for c in numeric if c in data.columns and plan.baseline_covariate]
    exposure = ("exposure_loss" if loss else "exposure") if spec.kind == "count" else None
    fits: dict[bool, Fitted | NotEstimable] = {}

    def fitted(interaction: bool) -> Fitted | NotEstimable:
        if interaction not in fits:
            treatments, grouped = _treatments(data, protocol, plan, interaction)
            fits[interaction] = fit_model(
                data,
                kind=spec.kind,
                outcome=column,
                treatments=treatments,
                grouped=grouped,
                factors=covariates,
                numeric=numeric,
                exposure=exposure,
            )
        return fits[interaction]

    rows: list[Result] = []
    values: list[ContrastValue | None] = []
    contrasts = _contrasts(protocol, plan)
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
        row = _finish(base, value, plan.alpha, fit)
        rows.append(row)
        values.append(None if interaction or row.not_estimable else value)
    return rows, values, fits.get(False)


def _analysis_label(spec: OutcomeSpec, plan: AnalysisPlan, wave: int | None, loss: bool) -> str:
    if loss:
        return "exposure ends at withdrawal or loss"
    if spec.kind == "questionnaire":
        return f"ANCOVA at follow-up {wave}, complete cases"
    return "ITT, adjusted for strata"


def _finish(base: Result, value: ContrastValue, alpha: float, fit: Fitted) -> Result:
    """The contrast as reported, or not estimable when it has no finite interval."""
    # Groups only for contrasts that involve an arm with peer groups.
    base = replace(base, groups=fit.groups if value.clustered else None)
    if value.not_estimable is not None or value.estimate is None or value.se is None:
        return replace(base, not_estimable=value.not_estimable or NotEstimable("no estimate"))
    low, high = value.interval(1 - alpha)
    shown = reporting_scale(value.estimate, low, high, ratio=fit.ratio)
    if isinstance(shown, NotEstimable):
        return replace(base, not_estimable=shown)
    estimate, low, high = shown
    return replace(
        base,
        estimate=estimate,
        low=low,
        high=high,
        p_value=value.p_value(),
        df=value.df if value.clustered else None,
    )


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


def mice_results(
    frame: pd.DataFrame,
    protocol: Protocol,
    plan: AnalysisPlan,
    spec: OutcomeSpec,
    wave: int,
    prespecified: bool,
    imputations: int,
) -> list[Result]:
    """ANCOVA after multiple imputation by chained equations (statsmodels MICE), under MAR."""
    import statsmodels.api as sm  # type: ignore[import-untyped]
    from statsmodels.imputation.mice import MICE, MICEData  # type: ignore[import-untyped]

    data = frame if spec.track is None else frame[frame["track"] == spec.track]
    column, base_col = f"followup{wave}_{spec.name}", f"baseline_{spec.name}"
    family: Family = "sensitivity" if prespecified else "exploratory"
    label = f"ANCOVA at follow-up {wave}, multiple imputation (MICE, {imputations} sets)"
    treatments, _grouped = _treatments(data, protocol, plan)
    contrasts = _contrasts(protocol, plan)
    rows = []
    empty = column not in data.columns or base_col not in data.columns
    observed = 0 if empty else int(data[column].notna().sum())
    names = {name: f"t{i}" for i, name in enumerate(treatments)}
    for text, _weights, _override, ones, others in contrasts:
        n = (int(data["arm"].isin(ones).sum()), int(data["arm"].isin(others).sum()))
        rows.append(Result(spec, text, family, label, prespecified, n, (None, None)))
    if empty or observed < 10 or len(data) < 20:
        too_little = NotEstimable("too little data for multiple imputation")
        return [replace(r, not_estimable=too_little) for r in rows]
    table = pd.DataFrame({"y": data[column].to_numpy(float), "b": data[base_col].to_numpy(float)})
    for name, values in treatments.items():
        table[names[name]] = values.to_numpy(float)
    for factor in plan.covariates:
        if factor in data.columns:
            dummies = pd.get_dummies(data[factor].astype(str), drop_first=True)
            for j, level in enumerate(dummies.columns):
                values = dummies[level].to_numpy(float)
                if 0 < values.sum() < len(values):
                    table[f"s_{factor}_{j}"] = values
    formula = "y ~ " + " + ".join(c for c in table.columns if c != "y")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            imputed = MICEData(table.reset_index(drop=True))
            # With only the outcome missing there is no chain to settle: one cycle suffices.
            burn_in = 3 if table["b"].isna().any() else 1
            result = MICE(formula, sm.OLS, imputed).fit(n_burnin=burn_in, n_imputations=imputations)
    except FIT_ERRORS as error:
        failed = NotEstimable(f"multiple imputation failed: {error}")
        return [replace(r, not_estimable=failed) for r in rows]
    params = pd.Series(np.asarray(result.params), index=result.model.exog_names)
    cov = pd.DataFrame(np.asarray(result.cov_params()), index=params.index, columns=params.index)
    fit = Fitted(params, cov, 0, frozenset(), len(table), False)
    finished = []
    for row, (_t, weights, *_rest) in zip(rows, contrasts, strict=True):
        value = fit.contrast({names[k]: w for k, w in weights.items() if k in names})
        done = _finish(row, value, plan.alpha, fit)
        unclustered = _grouped and done.not_estimable is None
        finished.append(replace(done, note="errors not clustered by group" if unclustered else ""))
    return finished


def completion(frame: pd.DataFrame, protocol: Protocol, as_of: datetime) -> list[Completion]:
    """Per arm and follow-up wave: participants due (survey time passed) and who answered."""
    design = Design.from_protocol(protocol)
    rows = []
    for wave, moment in enumerate(protocol.schedule.survey_times, start=1):
        due = frame["allocated_at"] + moment <= pd.Timestamp(as_of)
        answered = frame.get(f"answered_{wave}", pd.Series(False, index=frame.index))
        for arm in design.arms:
            mine = due & (frame["arm"] == arm)
            rows.append(Completion(arm, wave, int(mine.sum()), int((mine & answered).sum())))
    return rows


def icc_with_ci(
    values: pd.Series, groups: pd.Series, level: float = 0.95
) -> tuple[float | None, float | None, float | None]:
    """ICC(1) from one-way ANOVA with the F-based confidence interval (Searle 1971)."""
    frame = pd.DataFrame({"y": np.asarray(values, float), "g": list(groups)}).dropna()
    sizes = frame.groupby("g")["y"].size()
    k, n = len(sizes), len(frame)
    if k < 2 or n <= k or (sizes >= 2).sum() < 2:
        return None, None, None
    means = frame.groupby("g")["y"].transform("mean")
    msb = float(((means - frame["y"].mean()) ** 2).sum()) / (k - 1)
    msw = float(((frame["y"] - means) ** 2).sum()) / (n - k)
    n0 = (n - float((sizes**2).sum()) / n) / (k - 1)
    if msw <= 0 or msb + (n0 - 1) * msw <= 0:
        return None, None, None
    f = msb / msw
    icc = (msb - msw) / (msb + (n0 - 1) * msw)
    tail = (1 - level) / 2
    f_low = f / float(stats.f.ppf(1 - tail, k - 1, n - k))
    f_high = f * float(stats.f.ppf(1 - tail, n - k, k - 1))
    low = (f_low - 1) / (f_low + n0 - 1)
    high = (f_high - 1) / (f_high + n0 - 1)
    return icc, max(low, -1 / (n0 - 1) if n0 > 1 else low), min(high, 1.0)


def icc_estimates(
    frame: pd.DataFrame, protocol: Protocol, plan: AnalysisPlan, wave: int | None
) -> list[IccEstimate]:
    """The ICC of each planned outcome among members of each arm with peer groups."""
    design = Design.from_protocol(protocol)
    rows = []
    for name in plan.outcomes:
        spec = resolve_outcome(name, protocol)
        if spec is None:
            continue
        data, column = _sample(frame, spec, wave)
        for arm in design.grouped_arms:
            members = data[(data["arm"] == arm) & data["group"].notna()]
            values = (
                members[column] / members["exposure"] if spec.kind == "count" else members[column]
            )
            icc, low, high = icc_with_ci(values, members["group"])
            groups = int(members["group"].nunique())
            rows.append(IccEstimate(spec, arm, groups, len(members), icc, low, high))
    return rows


def lee_bounds(
    frame: pd.DataFrame, protocol: Protocol, spec: OutcomeSpec, wave: int | None
) -> list[LeeBounds]:
    """Lee bounds for the primary outcome, each arm vs control.

    Observed: a follow-up score (questionnaires), else still reachable at the end of the window
    (counts and money as a rate per week or a mean; placement as a share).
    """
    design = Design.from_protocol(protocol)
    data = frame if spec.track is None else frame[frame["track"] == spec.track]
    if spec.kind == "questionnaire":
        column = f"followup{wave}_{spec.name}"
        if column not in data.columns:
            return []
        values = data[column]
        seen = values.notna()
        scale = "difference in mean score"
    else:
        values = data[spec.name] / data["exposure"] if spec.kind == "count" else data[spec.name]
        seen = ~data["lost"].astype(bool)
        scale = {
            "count": "difference in rate per week",
            "money": "difference in means",
            "binary": "difference in shares",
        }[spec.kind]
    rows = []
    for arm in design.treatments:
        treated, control = data["arm"] == arm, data["arm"] == design.control
        label = f"{arm} vs {design.control}"
        if treated.sum() < 2 or control.sum() < 2:
            too_little = NotEstimable("too little data: fewer than 2 in an arm")
            rows.append(LeeBounds(spec, label, (0.0, 0.0), None, None, scale, too_little))
            continue
        q_t, q_c = float(seen[treated].mean()), float(seen[control].mean())
        y_t = np.sort(values[treated & seen].to_numpy(float))
        y_c = np.sort(values[control & seen].to_numpy(float))
        if len(y_t) < 2 or len(y_c) < 2:
            too_few = NotEstimable("fewer than 2 observed in an arm")
            rows.append(LeeBounds(spec, label, (q_t, q_c), None, None, scale, too_few))
            continue
        low, high = _lee(y_t, y_c, q_t, q_c)
        if not (math.isfinite(low) and math.isfinite(high)):
            unbounded = NotEstimable("the bounds are not finite numbers")
            rows.append(LeeBounds(spec, label, (q_t, q_c), None, None, scale, unbounded))
            continue
        rows.append(LeeBounds(spec, label, (q_t, q_c), low, high, scale))
    return rows


def _lee(y_t: np.ndarray, y_c: np.ndarray, q_t: float, q_c: float) -> tuple[float, float]:
    if q_t >= q_c:
        keep = max(1, round(len(y_t) * q_c / q_t)) if q_t > 0 else len(y_t)
        return float(y_t[:keep].mean() - y_c.mean()), float(y_t[-keep:].mean() - y_c.mean())
    keep = max(1, round(len(y_c) * q_t / q_c)) if q_c > 0 else len(y_c)
    return float(y_t.mean() - y_c[-keep:].mean()), float(y_t.mean() - y_c[:keep].mean())
