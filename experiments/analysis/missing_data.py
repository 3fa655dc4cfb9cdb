"""Missing outcomes: questionnaire completion, ANCOVA after multiple imputation that respects the
design (`experiments.analysis.imputation`; Lee bounds: `experiments.analysis.lee`)."""

from __future__ import annotations

import warnings
import zlib
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from experiments.analysis.contrasts import Family, Result
from experiments.analysis.design import Design
from experiments.analysis.imputation import Analyse, impute_within_arms, pooled_results
from experiments.analysis.models import FIT_ERRORS, NotEstimable
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
    analyse: Analyse,
) -> list[Result]:
    """ANCOVA after multiple imputation under MAR that respects the design: imputed within arm
    with the peer group as a covariate, each set analysed by `analyse` (the primary ANCOVA: CR2,
    the same df), pooled by Rubin's rules with Barnard–Rubin df."""
    data = frame if spec.track is None else frame[frame["track"] == spec.track]
    column, base_col = f"followup{wave}_{spec.name}", f"baseline_{spec.name}"
    family: Family = "sensitivity" if prespecified else "exploratory"
    label = (
        f"ANCOVA at follow-up {wave}, multiple imputation (MICE within arm, group as "
        f"covariate, {imputations} sets; Rubin, Barnard–Rubin df)"
    )
    empty = column not in data.columns or base_col not in data.columns
    observed = 0 if empty else int(data[[column, base_col]].notna().all(axis=1).sum())
    if empty or observed < 10 or len(data) < 20 or imputations < 2:
        rows, _values, _fit = analyse(data.iloc[0:0] if empty else data)
        too_little = NotEstimable("too little data for multiple imputation")
        return [
            replace(r, family=family, analysis=label, not_estimable=too_little, estimate=None)
            for r in rows
        ]
    design = Design.from_protocol(protocol)
    predictors = [c for c in plan.covariate_columns if c in data.columns]
    rng = _imputation_rng(spec, wave)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            completed = [
                impute_within_arms(
                    data, [column, base_col], predictors, rng, grouped=design.grouped_arms
                )
                for _ in range(imputations)
            ]
            return pooled_results(completed, analyse, plan.alpha, family=family, label=label)
    except (*FIT_ERRORS, np.linalg.LinAlgError) as error:
        rows, _values, _fit = analyse(data)
        failed = NotEstimable(f"multiple imputation failed: {error}")
        return [replace(r, family=family, analysis=label, not_estimable=failed) for r in rows]


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
