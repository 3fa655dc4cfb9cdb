"""Multiple imputation that respects the design: questionnaire scores imputed within each arm
with the peer group as a covariate, each completed data set analysed exactly as the primary
ANCOVA (CR2, the same degrees of freedom), the estimates combined by Rubin's rules with
Barnard and Rubin's (1999) small-sample degrees of freedom.

The imputation model is Bayesian linear regression (van Buuren's `norm`): per arm, the missing
score is drawn from the posterior predictive of a regression on the other score (baseline or
follow-up), the stratification factors and, in an arm with peer groups, the group (never placed:
a level of its own). Fitting it within arm keeps every treatment-by-covariate interaction;
the group term keeps the clustering the analysis models."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from experiments.analysis.contrasts import Family, Result, finish
from experiments.analysis.models import ContrastValue, Fitted, NotEstimable

__all__ = [
    "Analyse",
    "Analysed",
    "Pooled",
    "barnard_rubin_df",
    "impute_within_arms",
    "pool",
    "pooled_results",
]

# One completed data set in, the primary analysis's rows, contrast values and fit out.
Analysed = tuple[list[Result], list[ContrastValue | None], Fitted | NotEstimable | None]
Analyse = Callable[[pd.DataFrame], Analysed]
_CYCLES = 10  # chained-equation cycles when both scores have gaps
_RIDGE = 1e-5  # as mice's `norm`: keeps X'X invertible with sparse dummies


@dataclass(frozen=True, slots=True)
class Pooled:
    """Rubin's rules over m completed-data estimates of one quantity."""

    estimate: float
    within: float  # Ū, the mean completed-data variance
    between: float  # B, the variance of the estimates across imputations
    total: float  # T = Ū + (1 + 1/m) B
    df: float  # Barnard–Rubin
    fraction_missing: float  # λ = (1 + 1/m) B / T

    @property
    def se(self) -> float:
        """√T."""
        return math.sqrt(self.total)


def barnard_rubin_df(m: int, within: float, between: float, complete_df: float | None) -> float:
    """Barnard & Rubin (1999): ν = (1/ν_old + 1/ν_obs)⁻¹ with ν_old = (m − 1)/λ² and
    ν_obs = (ν_com + 1)/(ν_com + 3) · ν_com · (1 − λ); ν_com None is a normal reference."""
    total = within + (1 + 1 / m) * between
    lam = (1 + 1 / m) * between / total if total > 0 else 0.0
    old = (m - 1) / lam**2 if lam > 0 else math.inf
    if complete_df is None or not math.isfinite(complete_df):
        return old
    observed = (complete_df + 1) / (complete_df + 3) * complete_df * (1 - lam)
    if not math.isfinite(old):
        return observed
    return 1 / (1 / old + 1 / observed)


def pool(
    estimates: Sequence[float], variances: Sequence[float], complete_df: float | None
) -> Pooled:
    """Combine m ≥ 2 completed-data estimates and their variances by Rubin's rules."""
    m = len(estimates)
    q = np.asarray(estimates, dtype="float64")
    u = np.asarray(variances, dtype="float64")
    within = float(u.mean())
    between = float(q.var(ddof=1))
    total = within + (1 + 1 / m) * between
    lam = (1 + 1 / m) * between / total if total > 0 else 0.0
    df = barnard_rubin_df(m, within, between, complete_df)
    return Pooled(float(q.mean()), within, between, total, df, lam)


def impute_within_arms(
    data: pd.DataFrame,
    columns: Sequence[str],
    predictors: Sequence[str],
    rng: np.random.Generator,
    *,
    grouped: Sequence[str] = (),
) -> pd.DataFrame:
    """One completed copy of `data`: each of `columns` (numeric) imputed within arm from the
    other columns, the categorical `predictors` and, in the `grouped` arms, the group."""
    done = data.copy()
    missing = {c: done[c].isna().to_numpy() for c in columns}
    for column in columns:  # start from the arm's observed mean
        means = done.groupby("arm")[column].transform("mean")
        done[column] = done[column].fillna(means).fillna(done[column].mean())
    cycles = _CYCLES if sum(bool(m.any()) for m in missing.values()) > 1 else 1
    # Each arm's rows and categorical dummies stay the same through every cycle (only the
    # numeric columns are imputed), so they are worked out once, not per column and cycle.
    arms = {
        arm: np.asarray([done.index.get_loc(i) for i in rows])
        for arm, rows in done.groupby("arm").groups.items()
    }
    dummies = {
        arm: _dummies(done.iloc[index], predictors, arm in grouped) for arm, index in arms.items()
    }
    for _cycle in range(cycles):
        for column in columns:
            if not missing[column].any():
                continue
            for arm, index in arms.items():
                gaps = missing[column][index]
                if not gaps.any():
                    continue
                others = [c for c in columns if c != column]
                x = _design(done, index, others, dummies[arm])
                y = done[column].to_numpy("float64")[index]
                drawn = _draw(x[~gaps], y[~gaps], x[gaps], rng)
                values = done[column].to_numpy("float64").copy()
                values[index[gaps]] = drawn
                done[column] = values
    return done


def _design(
    data: pd.DataFrame, index: np.ndarray, numeric: Sequence[str], dummies: list[np.ndarray]
) -> np.ndarray:
    """For the rows at positions `index`: intercept, the `numeric` columns, then the factors'
    dummies (from `_dummies`, for the same rows)."""
    parts = [np.ones((len(index), 1))]
    for name in numeric:  # column by column: copying the rows of the wide frame is slow
        parts.append(data[name].to_numpy("float64")[index][:, None])
    return np.hstack([*parts, *dummies])


def _dummies(rows: pd.DataFrame, factors: Sequence[str], grouped: bool) -> list[np.ndarray]:
    """One block of 0/1 columns per factor (and the group where `grouped`), first level and
    levels that do not vary among `rows` left out."""
    levels = [f for f in factors if f in rows.columns]
    if grouped and "group" in rows.columns:
        levels.append("group")
    parts = []
    for name in levels:
        labels = rows[name].astype("string").fillna("none")
        # the columns of pd.get_dummies(labels, drop_first=True), built from the sorted codes
        # directly (several times faster; it runs per arm in every imputation)
        codes, categories = pd.factorize(labels, sort=True)
        dummies = (codes[:, None] == np.arange(1, len(categories))).astype("float64")
        keep = (dummies.sum(axis=0) > 0) & (dummies.sum(axis=0) < len(rows))
        parts.append(dummies[:, keep])
    return parts


def _draw(x: np.ndarray, y: np.ndarray, new: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A proper draw from the posterior predictive of a linear regression (Rubin 1987, norm)."""
    n, p = x.shape
    if n < 2:
        centre = float(y.mean()) if n else 0.0
        return centre + 0.0 * new[:, 0]
    xtx = x.T @ x
    inverse = np.linalg.pinv(xtx + _RIDGE * np.diag(np.diag(xtx)))
    beta = inverse @ x.T @ y
    residual = y - x @ beta
    freedom = max(n - p, 1)
    sigma2 = float(residual @ residual) / rng.chisquare(freedom)
    sigma2 = sigma2 if sigma2 > 0 else float(np.var(y)) or 1e-8
    chol = np.linalg.cholesky(inverse * sigma2 + 1e-12 * np.eye(p))
    drawn_beta = beta + chol @ rng.standard_normal(p)
    return np.asarray(new @ drawn_beta + math.sqrt(sigma2) * rng.standard_normal(len(new)))


def pooled_results(
    completed: Sequence[pd.DataFrame],
    analyse: Analyse,
    alpha: float,
    *,
    family: Family,
    label: str,
) -> list[Result]:
    """Analyse each completed set as the primary is analysed and pool every contrast."""
    runs = [analyse(frame) for frame in completed]
    rows, _values, fit = runs[0]
    pooled = []
    for index, row in enumerate(rows):
        base = replace(row, family=family, analysis=label, summary=(None, None), note="")
        values = [run[1][index] for run in runs]
        if not isinstance(fit, Fitted) or any(v is None for v in values):
            reason = row.not_estimable or NotEstimable("not estimable in every imputed set")
            pooled.append(replace(base, not_estimable=reason, estimate=None, low=None, high=None))
            continue
        estimable = [v for v in values if v is not None]
        parts = pool(
            [float(v.estimate or 0.0) for v in estimable],
            [float(v.se or 0.0) ** 2 for v in estimable],
            estimable[0].df,
        )
        value = ContrastValue(
            parts.estimate, parts.se, parts.df, None, clustered=estimable[0].clustered
        )
        done = finish(replace(base, p_value=None, p_adjusted=None), value, alpha, fit)
        pooled.append(replace(done, df=parts.df))
    return pooled
