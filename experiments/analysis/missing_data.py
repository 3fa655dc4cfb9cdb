"""Missing outcomes: questionnaire completion, ANCOVA after multiple imputation (Lee bounds:
`experiments.analysis.lee`)."""

from __future__ import annotations

import warnings
import zlib
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from experiments.analysis.contrasts import (
    Family,
    Result,
    finish,
    planned_contrasts,
    treatment_columns,
)
from experiments.analysis.design import Design
from experiments.analysis.models import (
    FIT_ERRORS,
    Fitted,
    NotEstimable,
)
from experiments.protocol import AnalysisPlan, OutcomeSpec, Protocol, wave_times

__all__ = ["Completion", "completion", "mice_results"]


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


def _imputation_rng(spec: OutcomeSpec, wave: int) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(f"{spec.name}/{wave}".encode()))


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
    treatments, _grouped = treatment_columns(data, protocol, plan)
    contrasts = planned_contrasts(protocol, plan)
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
    for factor in plan.covariate_columns:
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
            # A generator seeded by the outcome: a report re-run on the same data gives the
            # same numbers (without it, statsmodels draws fresh entropy on every run).
            imputed = MICEData(table.reset_index(drop=True), rng=_imputation_rng(spec, wave))
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
        done = finish(row, value, plan.alpha, fit)
        unclustered = _grouped and done.not_estimable is None
        finished.append(replace(done, note="errors not clustered by group" if unclustered else ""))
    return finished


def completion(frame: pd.DataFrame, protocol: Protocol, as_of: datetime) -> list[Completion]:
    """Per arm and follow-up wave: participants due (survey time passed) and who answered."""
    design = Design.from_protocol(protocol)
    rows = []
    for wave, moment in enumerate(wave_times(protocol.schedule), start=1):
        due = frame["allocated_at"] + moment <= pd.Timestamp(as_of)
        answered = frame.get(f"answered_{wave}", pd.Series(False, index=frame.index))
        for arm in design.arms:
            mine = due & (frame["arm"] == arm)
            rows.append(Completion(arm, wave, int(mine.sum()), int((mine & answered).sum())))
    return rows
