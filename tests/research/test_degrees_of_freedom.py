"""Satterthwaite degrees of freedom for CR2: Bell–McCaffrey's and Imbens–Kolesár's, against
published values (R dfadjust's tests, whose HC2 errors Stata and R sandwich confirm) and
Pustejovsky's closed form for groups against singletons, and as the plan's choice."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import datetime
from functools import cache

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
import pytest
from scipy import stats  # type: ignore[import-untyped]

from experiments.allocation import Pseudonymizer
from experiments.analysis import Fitted, analyse, fit_model
from experiments.analysis.cr2 import CR2, bell_mccaffrey_df, cr2, imbens_kolesar_df
from experiments.outputs import TrialSettings, build_tables, simulate_trial
from experiments.protocol import DegreesOfFreedom, ProtocolError, load_protocol, validate_protocol
from tests.experiments.shipped import STUDY_FILE

from .test_prespecified import row

STUDY = load_protocol(STUDY_FILE)


def least_squares(y: np.ndarray, x: np.ndarray, clusters: np.ndarray) -> CR2:
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    fitted = cr2(x, y, x @ beta, None, clusters)
    assert fitted is not None
    return fitted


def adjusted_se(se: np.ndarray, df: list[float | None]) -> np.ndarray:
    """dfadjust's "Adj. se": the HC2/CR2 SE scaled so that ±1.96 of it is the t interval."""
    scale = stats.t.ppf(0.975, np.asarray(df, dtype=float)) / stats.norm.ppf(0.975)
    return np.asarray(se * scale, dtype=float)


def test_bell_mccaffrey_df_of_hc2_match_dfadjusts_published_values() -> None:
    # dfadjust tests/testthat/test-hc2-check.R: y <- 1:10, x <- cbind(sin(1:10), sin(2:11))
    i = np.arange(1, 11)
    x = np.column_stack([np.ones(10), np.sin(i), np.sin(i + 1)])
    fitted = least_squares(i.astype(float), x, np.arange(10))
    df = [bell_mccaffrey_df(fitted.parts, w) for w in np.eye(3)]
    assert df == pytest.approx([4.94624731, 3.90754737, 4.77265484], abs=1e-8)
    # test_clustervar.R: y = c(cos(0:9), tan(1:10)), x = c(sin(1:10), sin(2:11)), HC2
    y = np.concatenate([np.cos(np.arange(10)), np.tan(np.arange(1, 11))])
    x = np.column_stack([np.ones(20), np.sin(np.r_[np.arange(1, 11), np.arange(2, 12)])])
    fitted = least_squares(y, x, np.arange(20))
    assert np.sqrt(np.diag(fitted.cov)) == pytest.approx([0.4227339762, 0.4421048122], abs=1e-10)
    df = [bell_mccaffrey_df(fitted.parts, w) for w in np.eye(2)]
    assert df == pytest.approx([17.6142349, 12.10389102], abs=1e-7)
    # test-hc2-check.R, the "noninvertible" data: y = (1:100)^2 + cl3, x = (sin(1:100), 1:100)
    j = np.arange(1, 101)
    y = j**2 + np.r_[np.full(60, 1), np.full(20, 2), np.full(20, 3)]
    x = np.column_stack([np.ones(100), np.sin(j), j])
    fitted = least_squares(y.astype(float), x, np.arange(100))
    df = [bell_mccaffrey_df(fitted.parts, w) for w in np.eye(3)]
    adjusted = adjusted_se(np.sqrt(np.diag(fitted.cov)), df)
    assert adjusted == pytest.approx([188.164883779, 109.636001038, 3.371563406], abs=1e-8)


def closed_form(treated: list[int], control: list[int]) -> float:
    """Pustejovsky's CR2 degrees of freedom of a difference in means between clusters
    (clubSandwich auxilliary/two-sample-t-test.Rmd; identity working model)."""

    def part(sizes: list[int]) -> tuple[float, float]:
        m = np.asarray(sizes, dtype=float)
        total = m.sum()
        f, rest = m / total, total - m
        a = f**2 / rest
        return total, float(np.sum(f**2 * (1 - f) ** 2 / rest**2) + a.sum() ** 2 - np.sum(a**2))

    big_m, first = part(treated)
    big_n, second = part(control)
    return (1 / big_m + 1 / big_n) ** 2 / (first + second)


@pytest.mark.parametrize(
    ("treated", "control"),
    [([12, 15, 10, 13, 11], [1] * 60), ([3, 7, 2], [4, 1, 1, 5, 2]), ([10] * 8, [1] * 100)],
)
def test_bell_mccaffrey_df_match_the_closed_form_for_groups_against_singletons(
    treated: list[int], control: list[int]
) -> None:
    sizes = treated + control
    clusters = np.repeat(np.arange(len(sizes)), sizes)
    arm = np.repeat(np.r_[np.ones(len(treated)), np.zeros(len(control))], sizes)
    y = np.random.default_rng(len(sizes)).normal(size=len(arm))
    fitted = least_squares(y, np.column_stack([np.ones(len(arm)), arm]), clusters)
    df = bell_mccaffrey_df(fitted.parts, np.array([0.0, 1.0]))
    assert df == pytest.approx(closed_form(treated, control), rel=1e-12)
    # groups against singletons: far more than G − 1, as the validity bench uses
    assert df is not None
    assert df > len(treated) - 1


def test_imbens_kolesar_df_match_dfadjusts_published_values() -> None:
    # dfadjust test_clustervar.R: the same 20 rows in 3 clusters (recycled), IK = TRUE
    y = np.concatenate([np.cos(np.arange(10)), np.tan(np.arange(1, 11))])
    x = np.column_stack([np.ones(20), np.sin(np.r_[np.arange(1, 11), np.arange(2, 12)])])
    fitted = least_squares(y, x, np.tile([2, 1, 3, 2, 2, 3, 3, 1, 1, 2], 2))
    df = [imbens_kolesar_df(fitted.parts, w) for w in np.eye(2)]
    assert df == pytest.approx([2.001430933, 1.783242385], abs=1e-8)
    adjusted = adjusted_se(np.sqrt(np.diag(fitted.cov)), df)
    assert adjusted == pytest.approx([1.053441197, 0.533126248], abs=1e-8)
    # "ell specifications": x <- sin(1:100), y <- 1:100, y ~ x + x^2, clusters of 40/20/20/10/10
    s = np.sin(np.arange(1, 101))
    x = np.column_stack([np.ones(100), s, s**2])
    sizes = np.r_[np.full(40, 1), np.full(20, 5), np.full(20, 2), np.full(10, 3), np.full(10, 4)]
    fitted = least_squares(np.arange(1, 101, dtype=float), x, sizes)
    w = np.array([0.0, 1.0, 0.0])
    df_x = imbens_kolesar_df(fitted.parts, w)
    assert df_x == pytest.approx(3.294011681, abs=1e-8)
    assert np.sqrt(w @ fitted.cov @ w) == pytest.approx(2.460094992, abs=1e-8)
    assert adjusted_se(np.sqrt(w @ fitted.cov @ w), [df_x]) == pytest.approx(3.800204856, abs=1e-8)


@cache
def _peer_trial() -> tuple[datetime, dict[str, pd.DataFrame]]:
    sim = simulate_trial(TrialSettings(participants=450, grouped_arms=("peer",), seed=5))
    return sim.raw.as_of, build_tables(sim.raw, Pseudonymizer("k"), protocol=STUDY)


def peer_trial() -> tuple[datetime, dict[str, pd.DataFrame]]:
    """A trial with peer groups as exported (the tables do not depend on the df rule), made
    once per worker; each test gets its own copy of the tables."""
    as_of, tables = _peer_trial()
    return as_of, {name: frame.copy() for name, frame in tables.items()}


# one xdist group, to share the trial under --dist loadgroup; see test_prespecified.py
@pytest.mark.xdist_group("degrees-of-freedom-peer-trial")
@pytest.mark.parametrize("rule", ["groups_minus_one", "satterthwaite", "imbens_kolesar"])
def test_the_plan_chooses_the_reference_of_the_clustered_contrasts(
    rule: DegreesOfFreedom,
) -> None:
    assert STUDY.analysis is not None
    plan = STUDY.analysis.model_copy(update={"degrees_of_freedom": rule})
    protocol = STUDY.model_copy(update={"analysis": plan})
    as_of, tables = peer_trial()
    analysis = analyse(tables, protocol, as_of, imputations=2)
    peer = row(analysis, "deposits", "peer vs control", "primary")
    assert peer.groups is not None
    assert peer.df is not None
    if rule == "groups_minus_one":
        assert peer.df == peer.groups - 1
    else:  # a fraction, and more than G − 1: the participants outside groups count too
        assert not float(peer.df).is_integer()
        assert peer.df > peer.groups - 1
    assert row(analysis, "deposits", "text vs control", "primary").df is None


def test_a_poisson_fit_gets_the_df_of_its_working_scale() -> None:
    # the Poisson GLM's CR2 works on the IRLS scale (rows × √μ), as clubSandwich's glm method
    rng = np.random.default_rng(3)
    arm = np.repeat([1.0, 0.0], [60, 60])
    group = np.r_[np.repeat(np.arange(5), 12), np.full(60, -1)]
    exposure = rng.uniform(8, 12, 120)
    y = rng.poisson(exposure * np.exp(0.3 * arm))
    data = pd.DataFrame({"y": y, "exposure": exposure, "peer": arm})
    data["group"] = pd.Series(group).replace(-1, pd.NA).astype("Int64")
    fit = fit_model(
        data,
        kind="count",
        outcome="y",
        treatments={"peer": data["peer"]},
        grouped=["peer"],
        exposure="exposure",
        degrees_of_freedom="satterthwaite",
    )
    assert isinstance(fit, Fitted)
    assert fit.parts is not None
    mean = np.exp(np.log(exposure) + fit.params["const"] + fit.params["peer"] * arm)
    root = np.sqrt(mean)
    x = np.column_stack([np.ones(120), arm]) * root[:, None]
    clusters = np.where(group >= 0, group, np.arange(120) + 5)
    # residuals (y − μ)/√μ are orthogonal to the weighted design at convergence
    direct = cr2(x, (y - mean) / root, np.zeros(120), None, clusters)
    assert direct is not None
    w = np.array([0.0, 1.0])
    assert fit.contrast({"peer": 1.0}).df == pytest.approx(
        bell_mccaffrey_df(direct.parts, w), rel=1e-9
    )
    grouped = replace(fit, degrees_of_freedom="groups_minus_one")
    assert grouped.contrast({"peer": 1.0}).df == 4


def test_a_plan_names_its_degrees_of_freedom_from_a_known_list() -> None:
    data = tomllib.loads(STUDY_FILE.read_text(encoding="utf-8"))
    data["analysis"]["degrees_of_freedom"] = "kenward_roger"
    with pytest.raises(ProtocolError):
        validate_protocol(data)
