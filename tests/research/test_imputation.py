"""Multiple imputation that respects the design: within arm, group as covariate, Rubin's rules
with Barnard–Rubin degrees of freedom."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
import pytest

from experiments.analysis.imputation import barnard_rubin_df, impute_within_arms, pool


def test_rubins_rules_and_barnard_rubin_df_match_a_hand_computation() -> None:
    # m = 3 estimates 1.0, 1.2, 0.8 with variances 0.04, 0.05, 0.06; complete-data df 20.
    pooled = pool([1.0, 1.2, 0.8], [0.04, 0.05, 0.06], 20)
    # Q̄ = 1.0; Ū = 0.05; B = (0² + 0.2² + 0.2²)/2 = 0.04; T = 0.05 + (4/3)·0.04 = 31/300
    assert pooled.estimate == pytest.approx(1.0)
    assert pooled.within == pytest.approx(0.05)
    assert pooled.between == pytest.approx(0.04)
    assert pooled.total == pytest.approx(31 / 300)
    assert pooled.se == pytest.approx(math.sqrt(31 / 300))
    # λ = (4/3)·0.04 / T = 16/31; ν_old = (m − 1)/λ² = 2·961/256 = 7.5078125
    # ν_obs = (21/23)·20·(1 − 16/31) = 6300/713; ν = 1/(1/ν_old + 1/ν_obs)
    assert pooled.fraction_missing == pytest.approx(16 / 31)
    old, observed = 1922 / 256, 6300 / 713
    assert pooled.df == pytest.approx(1 / (1 / old + 1 / observed), rel=1e-12)
    assert pooled.df == pytest.approx(4.058949, abs=1e-6)


def test_barnard_rubin_df_without_between_variance_is_the_complete_data_df_adjusted() -> None:
    # λ = 0: ν = ν_obs = (ν + 1)/(ν + 3)·ν, Barnard–Rubin's small-sample correction alone
    assert barnard_rubin_df(5, 0.1, 0.0, 10) == pytest.approx(11 / 13 * 10)
    # no complete-data df (a normal reference): Rubin's 1987 ν_old
    assert barnard_rubin_df(5, 0.1, 0.05, None) == pytest.approx(4 / (0.06 / 0.16) ** 2)
    # ν never exceeds the complete-data df
    assert barnard_rubin_df(20, 1.0, 0.01, 8) < 8


def test_imputation_is_within_arm_with_the_group_as_a_covariate() -> None:
    rng = np.random.default_rng(3)
    rows: list[tuple[str, str | None, float]] = []
    for group, centre in (("g1", 0.0), ("g2", 10.0)):
        for _ in range(30):
            rows.append(("peer", group, centre + rng.normal(0, 0.3)))
    for _ in range(30):
        rows.append(("control", None, 100.0 + rng.normal(0, 0.3)))
    frame = pd.DataFrame(rows, columns=["arm", "group", "y"])
    frame["site"] = "Utrecht"
    gaps = frame.index % 5 == 0
    frame.loc[gaps, "y"] = np.nan
    done = impute_within_arms(frame, ["y"], ["site"], rng, grouped=("peer",))
    assert done["y"].notna().all()
    assert (done.loc[~gaps, "y"] == frame.loc[~gaps, "y"]).all()  # observed values kept
    imputed = done[gaps]
    for group, centre in (("g1", 0.0), ("g2", 10.0)):
        mine = imputed[imputed["group"] == group]["y"]
        assert (mine - centre).abs().max() < 2  # its own group's level, not the arm's mean
    control = imputed[imputed["arm"] == "control"]["y"]
    assert (control - 100.0).abs().max() < 2  # its own arm's model


def test_imputation_draws_differ_between_sets_but_repeat_with_the_seed() -> None:
    frame = pd.DataFrame(
        {"arm": ["a"] * 20, "y": [float(i) if i % 4 else np.nan for i in range(20)]}
    )
    first = impute_within_arms(frame, ["y"], [], np.random.default_rng(1))
    second = impute_within_arms(frame, ["y"], [], np.random.default_rng(1))
    other = impute_within_arms(frame, ["y"], [], np.random.default_rng(2))
    assert first["y"].tolist() == second["y"].tolist()
    assert first["y"].tolist() != other["y"].tolist()
