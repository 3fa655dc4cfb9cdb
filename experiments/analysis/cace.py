"""The complier-average causal effect (CACE) of joining a peer group, allocation as the
instrument: a supplementary, principal-stratum estimate next to the ITT contrasts.

With one binary instrument Z (allocated to the arm with groups) and the treatment D (joined a
group), the two-stage least squares estimate is the Wald ratio
    CACE = (ȳ₁ − ȳ₀) / (d̄₁ − d̄₀),
the ITT effect on the outcome over the ITT effect on joining (Angrist, Imbens & Rubin 1996). Its
standard error is the cluster-robust IV sandwich over the primary's clusters (peer groups; people
never placed, and everyone in the comparator arm, are clusters of one), with the CR1 factor
G/(G − 1), and the interval is t with G_peer − 1 degrees of freedom (G_peer the formed groups in
the contrast), as the primary's conservative reference is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from scipy import stats  # type: ignore[import-untyped]

from experiments.analysis.outcome_frame import outcome_sample
from experiments.protocol import AnalysisPlan, OutcomeSpec

__all__ = ["Cace", "cace", "cace_estimates", "joined_groups"]


@dataclass(frozen=True, slots=True)
class Cace:
    """One contrast's CACE: the Wald ratio, its parts, and its cluster-robust interval."""

    arm: str
    comparator: str
    n: tuple[int, int]
    itt: float  # difference in mean outcome, arm − comparator
    joined: tuple[float, float]  # share who joined a group, arm and comparator
    estimate: float | None
    se: float | None
    low: float | None
    high: float | None
    df: int | None
    groups: int
    note: str = ""


def cace(
    outcome: np.ndarray,
    assigned: np.ndarray,
    joined: np.ndarray,
    clusters: np.ndarray,
    *,
    alpha: float = 0.05,
    arm: str = "arm",
    comparator: str = "comparator",
    df: int | None = None,
) -> Cace:
    """The Wald/2SLS estimate of joining's effect among compliers, with a cluster-robust SE.

    `assigned` is 1 for the arm with groups, 0 for the comparator; `joined` 1 for someone who
    joined a group; `clusters` labels the clusters (unique labels for people on their own).
    """
    y = np.asarray(outcome, dtype="float64")
    z = np.asarray(assigned, dtype="float64")
    d = np.asarray(joined, dtype="float64")
    ones, zeros = z == 1, z == 0
    n = (int(ones.sum()), int(zeros.sum()))
    itt = float(y[ones].mean() - y[zeros].mean()) if all(n) else float("nan")
    shares = (float(d[ones].mean()), float(d[zeros].mean())) if all(n) else (0.0, 0.0)
    first = shares[0] - shares[1]
    labels = pd.factorize(pd.Series(clusters).astype("string"))[0]
    groups = len(set(labels[ones & (d == 1)].tolist())) if all(n) else 0
    base = Cace(arm, comparator, n, itt, shares, None, None, None, None, None, groups)
    if not all(n):
        return replace(base, note="one of the arms has no one with this outcome")
    if abs(first) < 1e-12:
        return replace(base, note="no difference in who joined a group: the ratio is undefined")
    beta = itt / first
    # The IV sandwich: the score of the just-identified 2SLS with a constant.
    zc = z - z.mean()
    residual = (y - y.mean()) - beta * (d - d.mean())
    scores = np.bincount(labels, weights=zc * residual)
    g = int(labels.max()) + 1
    bread = float(np.sum(zc * d))
    variance = (g / (g - 1)) * float(np.sum(scores**2)) / bread**2 if g > 1 else float("nan")
    se = float(np.sqrt(variance))
    reference = df if df is not None else max(groups - 1, 1)
    half = float(stats.t.ppf(1 - alpha / 2, reference)) * se
    return replace(base, estimate=beta, se=se, low=beta - half, high=beta + half, df=reference)


def joined_groups(memberships: pd.DataFrame | None) -> set[str] | None:
    """Who joined a peer group (a membership with `joined_at`), or None when the export does
    not say (no memberships table, or one without `joined_at`)."""
    if memberships is None or "joined_at" not in memberships.columns:
        return None
    if "pseudonym" not in memberships.columns:
        return None
    return set(memberships.loc[memberships["joined_at"].notna(), "pseudonym"].astype(str))


def cace_estimates(
    tables: Mapping[str, pd.DataFrame],
    frame: pd.DataFrame,
    plan: AnalysisPlan,
    spec: OutcomeSpec,
    pairs: list[tuple[str, str]],
    wave: int | None,
) -> list[Cace]:
    """The CACE on one outcome for each (arm with groups, comparator) pair, when join data
    exist; none without them."""
    joined = joined_groups(tables.get("memberships"))
    if joined is None or frame.empty:
        return []
    data, column = outcome_sample(frame, spec, wave)
    found = []
    for arm, comparator in pairs:
        part = data[data["arm"].isin([arm, comparator])]
        part = part[part[column].notna()]
        pseudonyms = part["pseudonym"].astype(str)
        d = pseudonyms.isin(joined).to_numpy() & (part["arm"] == arm).to_numpy()
        groups = part["group"].astype("string")
        clusters = groups.where(groups.notna() & (part["arm"] == arm), "p:" + pseudonyms)
        found.append(
            cace(
                part[column].to_numpy(dtype="float64"),
                (part["arm"] == arm).to_numpy(dtype="float64"),
                d.astype("float64"),
                clusters.to_numpy(),
                alpha=plan.alpha,
                arm=arm,
                comparator=comparator,
            )
        )
    return found
