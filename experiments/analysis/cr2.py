"""The CR2 sandwich (Bell & McCaffrey 2002) and the Satterthwaite degrees of freedom of one
linear contrast under it: Bell–McCaffrey's (Pustejovsky & Tipton 2018, JBES 36:672; clubSandwich's
`coef_test(..., test = "Satterthwaite")`) and Imbens & Kolesár's (2016, REStat 98:701; R dfadjust).

For a contrast c'β the CR2 variance is Σ_j (a_j'e_j)², a_j = A_j X_j M c, A_j = (I − H_jj)^−½,
M = (X'X)^−1. Under the working model (independent, homoscedastic errors; for the Poisson GLM,
variance μ on the IRLS scale, as clubSandwich's glm method) it is a quadratic form in the
residuals with matrix Ω = G'(I − H)G, G holding the a_j cluster by cluster, and its
Satterthwaite degrees of freedom are tr(Ω)² / tr(Ω²). With G'G = diag(‖a_j‖²) and
G'HG = B M B' (B_j = X_j'a_j), Ω never needs the n × n hat matrix.

Imbens & Kolesár take the working model from the data instead: errors with variance σ² + ρ and
correlation ρ within a cluster (Moulton 1986), ρ and σ² estimated from the residuals. Then
Ω = σ²(diag(‖a_j‖²) − B M B') + ρ W W', W = diag(Σ_j a) − B M F' (F_j = X_j'1). With groups
correlated, their degrees of freedom fall towards the number of groups, where Bell–McCaffrey's
(independence assumed) count the participants outside groups as much as the groups.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CR2", "CR2Parts", "bell_mccaffrey_df", "cr2", "imbens_kolesar_df"]


@dataclass(frozen=True)
class CR2Parts:
    """What the degrees of freedom of any contrast need: the design on the working scale, the
    design rows after the CR2 adjustment, each row's cluster (0 … J − 1), and the bread M."""

    design: np.ndarray  # n × k, rows weighted by √μ for a Poisson GLM
    adjusted: np.ndarray  # n × k: A_j X_j, cluster by cluster
    clusters: np.ndarray  # n cluster indices
    bread: np.ndarray  # k × k: (X'X)^−1
    residuals: np.ndarray  # n, on the working scale


@dataclass(frozen=True)
class CR2:
    """The CR2 covariance of the coefficients, and what its degrees of freedom need."""

    cov: np.ndarray
    parts: CR2Parts


def cr2(
    x: np.ndarray, y: np.ndarray, fitted: np.ndarray, mean: np.ndarray | None, codes: np.ndarray
) -> CR2 | None:
    """The CR2 sandwich; clusters of one make it HC2. None when it cannot be computed.

    For the Poisson GLM it works on the IRLS scale at convergence: rows weighted by √μ,
    residuals (y − μ)/√μ, so each row's score is x(y − μ) as in the usual sandwich.
    """
    if mean is not None:
        if not np.all(np.isfinite(mean)) or np.any(mean <= 0):
            return None
        root = np.sqrt(mean)
        xt, residual = x * root[:, None], (y - mean) / root
    else:
        xt, residual = x, y - fitted
    try:
        bread = np.linalg.inv(xt.T @ xt)
    except np.linalg.LinAlgError:
        return None
    leverage_rows = xt @ bread
    meat = np.zeros((x.shape[1], x.shape[1]))
    adjusted = np.empty_like(xt)
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    singles: list[np.ndarray] = []
    for members in np.split(order, bounds):
        if len(members) == 1:
            singles.append(members)
            continue
        h = leverage_rows[members] @ xt[members].T
        values, vectors = np.linalg.eigh(np.eye(len(members)) - (h + h.T) / 2)
        adjust = vectors @ np.diag(1 / np.sqrt(np.clip(values, 1e-8, None))) @ vectors.T
        adjusted[members] = adjust @ xt[members]
        score = xt[members].T @ (adjust @ residual[members])
        meat += np.outer(score, score)
    if singles:
        rows = np.concatenate(singles)
        h = np.einsum("ij,ij->i", leverage_rows[rows], xt[rows])
        root_rest = np.sqrt(np.clip(1 - h, 1e-8, None))
        adjusted[rows] = xt[rows] / root_rest[:, None]
        scores = xt[rows] * (residual[rows] / root_rest)[:, None]
        meat += scores.T @ scores
    clusters = np.asarray(np.unique(codes, return_inverse=True)[1]).reshape(-1)
    parts = CR2Parts(xt, adjusted, clusters, bread, residual)
    return CR2(np.asarray(bread @ meat @ bread), parts)


def _sums(parts: CR2Parts, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The a_j stacked, ‖a_j‖² per cluster, and B (J × k)."""
    a = parts.adjusted @ (parts.bread @ weights)
    count = int(parts.clusters.max()) + 1 if len(parts.clusters) else 0
    squared = np.bincount(parts.clusters, weights=a * a, minlength=count)
    b = np.zeros((count, parts.design.shape[1]))
    np.add.at(b, parts.clusters, parts.design * a[:, None])
    return a, squared, b


def bell_mccaffrey_df(parts: CR2Parts, weights: np.ndarray) -> float | None:
    """The Satterthwaite degrees of freedom of the contrast `weights`'β under CR2, or None when
    the contrast has no variance under the working model."""
    _a, squared, b = _sums(parts, weights)
    projected = np.einsum("jk,kl,jl->j", b, parts.bread, b)  # diag(B M B')
    trace = float(squared.sum() - projected.sum())
    inner = parts.bread @ (b.T @ b)  # M B'B: tr((B M B')²) = tr((M B'B)²)
    trace_squared = float(
        (squared * squared).sum() - 2 * (squared * projected).sum() + np.sum(inner * inner.T)
    )
    if not (trace > 0 and trace_squared > 0):
        return None
    return trace * trace / trace_squared


def imbens_kolesar_df(parts: CR2Parts, weights: np.ndarray) -> float | None:
    """Imbens & Kolesár's degrees of freedom of the contrast `weights`'β under CR2 (a working
    model with the within-cluster correlation the residuals show, negative allowed, as R
    dfadjust), or None when the contrast has no variance under it."""
    a, squared, b = _sums(parts, weights)
    count = len(squared)
    u = parts.residuals
    sizes = np.bincount(parts.clusters, minlength=count).astype(float)
    pairs = float((sizes * sizes).sum()) - len(u)
    ssr = float(u @ u)
    totals = np.bincount(parts.clusters, weights=u, minlength=count)
    rho = (float(totals @ totals) - ssr) / pairs if pairs > 0 else 0.0
    sigma2 = max(ssr / len(u) - rho, 0.0)
    sums = np.zeros((count, parts.design.shape[1]))
    np.add.at(sums, parts.clusters, parts.design)  # F_j = X_j'1
    totals_a = np.bincount(parts.clusters, weights=a, minlength=count)  # D_j = Σ_j a
    # Ω = diag(c) + U V' (rank 2k): σ²(diag(‖a_j‖²) − R B') + ρ(diag(D) − R F')(diag(D) − F R'),
    # R = B M, so tr(Ω) and tr(Ω²) need no J × J matrix
    r = b @ parts.bread
    weighted = totals_a[:, None] * sums  # D∘F
    diagonal = sigma2 * squared + rho * totals_a * totals_a
    u = np.hstack([r, weighted])
    v = np.hstack([-sigma2 * b - rho * weighted + rho * r @ (sums.T @ sums), -rho * r])
    inner = v.T @ u
    trace = float(diagonal.sum() + np.trace(inner))
    squares = float(
        diagonal @ diagonal + 2 * diagonal @ np.einsum("jk,jk->j", u, v) + np.sum(inner * inner.T)
    )
    return trace * trace / squares if trace > 0 and squares > 0 else None
