"""Regression models per outcome type, contrasts between arms, and multiplicity adjustments.

Counts: Poisson GLM with log exposure as offset, robust errors (rate ratios). Money: OLS with
robust errors (difference in means). Placement: modified Poisson, a Poisson GLM of a binary
outcome with robust errors (risk ratios; Zou 2004). Questionnaires: ANCOVA, OLS of the follow-up
score on arm, baseline score and strata (Vickers & Altman 2001). Every model adjusts for the
stratification factors (Kahan & Morris 2012). Robust errors are CR2 (Bell & McCaffrey 2002):
HC2 for participants outside groups, the cluster version for peer groups (`experiments.analysis.
cr2`). When an arm has peer groups, errors are clustered by group and everyone not in a formed
group is a cluster of one. Degrees of freedom, as the plan chooses: "groups_minus_one" gives a
contrast involving a clustered arm t with G − 1 (G counting formed groups only) and any other
t with n − k; "satterthwaite" and "imbens_kolesar" give every contrast its Satterthwaite degrees
of freedom under CR2 (Bell–McCaffrey's or Imbens–Kolesár's working model).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, TypeVar

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
import statsmodels.api as sm  # type: ignore[import-untyped]
from scipy import stats  # type: ignore[import-untyped]
from statsmodels.tools.sm_exceptions import (  # type: ignore[import-untyped]
    ConvergenceWarning,
    MissingDataError,
    PerfectSeparationError,
    PerfectSeparationWarning,
)

from experiments.analysis.cr2 import CR2Parts, bell_mccaffrey_df, cr2, imbens_kolesar_df
from experiments.protocol import DegreesOfFreedom, OutcomeKind

T = TypeVar("T")

__all__ = [
    "FIT_ERRORS",
    "UNBOUNDED",
    "ContrastValue",
    "Fitted",
    "NotEstimable",
    "fit_model",
    "fit_quietly",
    "holm",
    "max_t_adjust",
    "reporting_scale",
]


@dataclass(frozen=True, slots=True)
class NotEstimable:
    """Why a contrast has no estimate with finite bounds, in words a researcher can act on."""

    reason: str

    def __str__(self) -> str:
        return f"not estimable ({self.reason})"


UNBOUNDED = NotEstimable("no finite confidence interval: too few people or events in a group")


def reporting_scale(
    estimate: float, low: float, high: float, *, ratio: bool
) -> tuple[float, float, float] | NotEstimable:
    """Estimate and bounds as reported (exponentiated for ratios), or not estimable when a
    bound is not a finite number there (a ratio's bound of 0 or infinity included)."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        values = np.array([estimate, low, high], dtype=float)
        shown = np.exp(values) if ratio else values
    if not (np.all(np.isfinite(values)) and np.all(np.isfinite(shown))):
        return UNBOUNDED
    if ratio and np.any(shown <= 0):
        return UNBOUNDED
    return float(shown[0]), float(shown[1]), float(shown[2])


@dataclass(frozen=True)
class Fitted:
    """A fitted model: coefficients, their robust covariance, and the clustering behind it."""

    params: pd.Series
    cov: pd.DataFrame
    groups: int  # formed peer groups in the sample (G)
    grouped: frozenset[str]  # coefficients that involve an arm with peer groups
    n: int
    ratio: bool  # a log-link model: contrasts are reported exponentiated
    resid_df: int | None = None  # n − parameters: the t reference of unclustered contrasts
    # otherwise every contrast's Satterthwaite df under CR2 (`parts`): Bell–McCaffrey's working
    # model ("satterthwaite") or Imbens–Kolesár's ("imbens_kolesar")
    degrees_of_freedom: DegreesOfFreedom = "groups_minus_one"
    parts: CR2Parts | None = field(default=None, repr=False, compare=False)

    def contrast(self, weights: Mapping[str, float]) -> ContrastValue:
        """A linear combination of coefficients, with its standard error and reference df."""
        names = list(self.params.index)
        w = np.array([weights.get(name, 0.0) for name in names])
        if any(name not in names for name in weights):
            missing = ", ".join(n for n in weights if n not in names)
            return ContrastValue(None, None, None, NotEstimable(f"{missing} dropped"))
        estimate = float(w @ self.params.to_numpy())
        variance = float(w @ self.cov.to_numpy() @ w)
        if not (math.isfinite(estimate) and math.isfinite(variance)) or variance <= 0:
            return ContrastValue(None, None, None, _NOT_CONVERGED)
        involved = any(weights.get(name, 0.0) != 0 for name in self.grouped)
        if involved and self.groups == 1:
            single = NotEstimable("only 1 peer group formed: clustered inference needs at least 2")
            return ContrastValue(
                estimate, math.sqrt(variance), None, single, unreliable=True, clustered=True
            )
        clustered = involved and self.groups >= 2
        df: float | None = self.groups - 1 if clustered else self.resid_df
        if self.degrees_of_freedom != "groups_minus_one" and self.parts is not None:
            rule = (
                bell_mccaffrey_df
                if self.degrees_of_freedom == "satterthwaite"
                else imbens_kolesar_df
            )
            df = rule(self.parts, w) or df
        return ContrastValue(
            estimate, math.sqrt(variance), df, None, weights=w, clustered=clustered
        )


@dataclass(frozen=True)
class ContrastValue:
    """One contrast on the model's scale (log for ratios); df None means the normal reference.
    `not_estimable` says why it has no interval (an `unreliable` one keeps its estimate)."""

    estimate: float | None
    se: float | None
    df: float | None
    not_estimable: NotEstimable | None
    unreliable: bool = False
    weights: np.ndarray | None = None
    clustered: bool = False  # involves an arm with peer groups (df G − 1, or Satterthwaite)

    def interval(self, level: float) -> tuple[float, float]:
        """The two-sided confidence interval at `level` on the model's scale."""
        assert self.estimate is not None
        assert self.se is not None
        critical = _critical(1 - level, self.df)
        return self.estimate - critical * self.se, self.estimate + critical * self.se

    def p_value(self) -> float:
        """The two-sided p value."""
        assert self.estimate is not None
        assert self.se is not None
        statistic = abs(self.estimate / self.se)
        tail = stats.t.sf(statistic, self.df) if self.df else stats.norm.sf(statistic)
        return min(1.0, 2 * float(tail))


_NOT_CONVERGED = NotEstimable("the model did not converge")
# What a statsmodels fit raises on data it cannot fit (ArithmeticError: overflow, division).
FIT_ERRORS = (
    ValueError,
    ArithmeticError,
    np.linalg.LinAlgError,
    MissingDataError,
    PerfectSeparationError,
)


def fit_quietly(fit: Callable[[], T]) -> T | NotEstimable:
    """Run a statsmodels fit with its warnings caught: an error, or a warning that it did not
    converge or separated perfectly, makes the fit not estimable rather than a number."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fit()
        except FIT_ERRORS as error:
            return NotEstimable(f"the model could not be fitted: {error}")
    for warning in caught:
        if issubclass(warning.category, PerfectSeparationWarning):
            return NotEstimable("perfect separation: the outcome is fully predicted in a group")
        if issubclass(warning.category, ConvergenceWarning):
            return _NOT_CONVERGED
    return result


@lru_cache(maxsize=4096)  # pure; a simulation asks for the same few (alpha, df) again and again
def _critical(alpha: float, df: float | None) -> float:
    return float(stats.t.ppf(1 - alpha / 2, df) if df else stats.norm.ppf(1 - alpha / 2))


def fit_model(
    data: pd.DataFrame,
    *,
    kind: OutcomeKind,
    outcome: str,
    treatments: Mapping[str, pd.Series],
    grouped: Sequence[str] = (),
    factors: Sequence[str] = (),
    numeric: Sequence[str] = (),
    exposure: str | None = None,
    group: str | None = "group",
    errors: Literal["CR2", "CR1"] = "CR2",
    degrees_of_freedom: DegreesOfFreedom = "groups_minus_one",
) -> Fitted | NotEstimable:
    """Fit one outcome's model; `treatments` are 0/1 columns (arm dummies or factorial factors).

    `errors`: CR2 (the report's, below), or statsmodels' CR1 over the groups (HC1 without
    them) for the console's quick look. `degrees_of_freedom`: the t reference of the CR2
    contrasts (the module's rule, or Bell–McCaffrey's). Returns the fit, or why there is none.
    """
    data = data.reset_index(drop=True)
    y = data[outcome].to_numpy(dtype=float)
    columns: dict[str, np.ndarray] = {"const": np.ones(len(data))}
    for name, column in treatments.items():
        columns[name] = np.asarray(column, dtype=float)
    treatment_names = list(treatments)
    for name in treatment_names:
        values = columns[name]
        if values.sum() < 2 or (1 - values).sum() < 2:
            return NotEstimable(
                f"too little data: fewer than 2 participants in {name} or without it"
            )
        if kind in ("count", "binary") and (y[values == 1].sum() == 0 or y[values == 0].sum() == 0):
            return NotEstimable("no events in one of the groups compared")
    if kind in ("money", "questionnaire") and not np.var(y) > 0:
        return NotEstimable("every participant has the same value")
    for factor in factors:
        columns.update(_dummies(data[factor], factor))
    for name in numeric:
        columns[name] = data[name].to_numpy(dtype=float)
    names = _full_rank(columns, keep=["const", *treatment_names])
    if names is None:
        return NotEstimable("the treatment columns are collinear")
    x = _stacked(columns, names)
    memberships = data[group] if group and group in data.columns else None
    formed = int(memberships.dropna().nunique()) if memberships is not None else 0
    involved = frozenset(name for name in treatment_names if name in grouped)
    clustered = bool(involved) and formed >= 1
    if clustered:
        assert memberships is not None
        labels = [f"g{g}" if pd.notna(g) else f"p{i}" for i, g in enumerate(memberships)]
        codes = np.asarray(pd.factorize(pd.Series(labels))[0])
    else:
        codes = np.arange(len(data))
    offset = np.log(data[exposure].to_numpy(dtype=float)) if exposure else None
    poisson = sm.families.Poisson()
    robust: dict[str, object] = {}
    if errors == "CR1":
        robust = {"cov_type": "cluster", "cov_kwds": {"groups": codes}} if clustered else {}
        robust = robust or {"cov_type": "HC1"}
    # CR1 reads a row-ordered array, as the console always has: BLAS sums its products in an
    # order of its own, so its errors stay the same to the last bit
    exog = np.ascontiguousarray(x) if robust else x
    result = fit_quietly(
        (lambda: sm.GLM(y, exog, family=poisson, offset=offset).fit(**robust))
        if kind in ("count", "binary")
        else (lambda: sm.OLS(y, exog).fit(**robust))
    )
    if isinstance(result, NotEstimable):
        return result
    fitted = np.asarray(result.fittedvalues, dtype=float)
    mean = fitted if kind in ("count", "binary") else None
    index = pd.Index(names)
    params = pd.Series(np.asarray(result.params), index=index)
    n, k = x.shape
    sandwich = None if robust else cr2(x, y, fitted, mean, codes)
    cov = sandwich.cov if sandwich is not None else None
    if robust:
        cov = np.asarray(result.cov_params())
    if cov is None or not np.all(np.isfinite(cov)):
        return _NOT_CONVERGED
    covariance = pd.DataFrame(cov, index=index, columns=index)
    return Fitted(
        params,
        covariance,
        formed if clustered else 0,
        involved if clustered else frozenset(),
        n,
        kind in ("count", "binary"),
        resid_df=n - k if n > k else None,
        degrees_of_freedom=degrees_of_freedom,
        parts=sandwich.parts if sandwich is not None else None,
    )


def _dummies(values: pd.Series, prefix: str) -> dict[str, np.ndarray]:
    """0/1 columns for every level of a factor but the first (levels sorted as text, as
    `pd.get_dummies(..., drop_first=True)` names and orders them), leaving out a level that
    every row or no row has; a missing value has no level."""
    text = values.astype("str")
    present = ~text.isna().to_numpy()
    labels = text.to_numpy(dtype=object)
    levels, codes = np.unique(labels[present].astype(str), return_inverse=True)
    found = np.full(len(labels), -1)
    found[present] = codes
    columns = {}
    for code, level in enumerate(levels[1:], start=1):
        column = (found == code).astype(float)
        if 0 < column.sum() < len(column):
            columns[f"{prefix}_{level}"] = column
    return columns


def _full_rank(columns: Mapping[str, np.ndarray], keep: Sequence[str]) -> list[str] | None:
    """The columns kept: adjustment columns are dropped (last first) until the design matrix
    has full column rank."""
    if np.linalg.matrix_rank(_stacked(columns, keep)) < len(keep):
        return None
    kept, rest = list(keep), [name for name in columns if name not in keep]
    if np.linalg.matrix_rank(_stacked(columns, kept + rest)) == len(kept) + len(rest):
        kept, rest = kept + rest, []  # full rank: so is every subset, each column is kept
    for name in rest:
        trial = [*kept, name]
        if np.linalg.matrix_rank(_stacked(columns, trial)) == len(trial):
            kept = trial
    rows = len(next(iter(columns.values())))
    if len(kept) >= rows:
        kept = list(keep)
    return kept


def _stacked(columns: Mapping[str, np.ndarray], names: Sequence[str]) -> np.ndarray:
    """The named columns as a matrix, column by column in memory (Fortran order), as a
    DataFrame of these columns would hold it (the fit's sums then run in the same order)."""
    return np.asfortranarray(np.column_stack([columns[name] for name in names]))


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjusted p values (None stays None)."""
    present = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    adjusted: list[float | None] = [None] * len(p_values)
    running, m = 0.0, len(present)
    for rank, (p, index) in enumerate(present):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[index] = running
    return adjusted


def max_t_adjust(
    values: Sequence[ContrastValue],
    cov: np.ndarray,
    alpha: float,
    rule: str,
    *,
    intervals: bool = True,
) -> tuple[list[float | None], list[float | None]]:
    """Family-wise adjusted p values and the critical value for simultaneous intervals.

    Dunnett: the max-|t| distribution of the contrasts, correlated as the model's covariance
    says (multivariate t with each contrast's own df, normal when it has none). Bonferroni: p
    times the number of contrasts. Returns (adjusted p per contrast, critical value per contrast).
    """
    usable = [i for i, v in enumerate(values) if v.estimate is not None and v.weights is not None]
    adjusted: list[float | None] = [None] * len(values)
    critical: list[float | None] = [None] * len(values)
    k = len(usable)
    if not k:
        return adjusted, critical
    if rule == "bonferroni" or k == 1:
        for i in usable:
            adjusted[i] = min(1.0, k * values[i].p_value())
            critical[i] = _critical(alpha / k, values[i].df)
        return adjusted, critical
    w = np.vstack([values[i].weights for i in usable])  # type: ignore[misc]
    covariance = w @ cov @ w.T
    scale = np.sqrt(np.diag(covariance))
    correlation = covariance / np.outer(scale, scale)

    def below(c: float, dof: float | None) -> float:
        limit = np.full(k, c)
        if dof:
            dist = stats.multivariate_t(loc=np.zeros(k), shape=correlation, df=dof, seed=1)
            return float(dist.cdf(limit, lower_limit=-limit))
        return float(
            stats.multivariate_normal(mean=np.zeros(k), cov=correlation).cdf(
                limit, lower_limit=-limit
            )
        )

    # Each contrast's own reference distribution: t(G − 1) for contrasts with a clustered arm,
    # normal for the rest (the max-|t| probability is taken with that contrast's df).
    for i in usable:
        v = values[i]
        assert v.estimate is not None
        assert v.se is not None
        adjusted[i] = min(1.0, max(0.0, 1 - below(abs(v.estimate / v.se), v.df)))
    if not intervals:
        return adjusted, critical
    for i in usable:
        dof = values[i].df
        low, high = _critical(alpha, dof), _critical(alpha / k, dof) + 0.01
        for _ in range(25):
            middle = (low + high) / 2
            if below(middle, dof) < 1 - alpha:
                low = middle
            else:
                high = middle
        critical[i] = high
    return adjusted, critical
