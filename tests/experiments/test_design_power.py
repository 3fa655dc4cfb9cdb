"""`lotgenoot power --protocol`: power of the analysis plan by simulating the design."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from experiments.analysis import (
    achieved_power,
    design_contrasts,
    design_for,
    fit_design,
    format_design_power,
    primary_assumptions,
    primary_power,
    search_participants,
    simulate_design,
    simulate_power,
)
from experiments.protocol import Protocol, load_protocol, validate_protocol

from .shipped import CONFIG_DIR, STUDY_FILE


def bonferroni(study_data: dict[str, Any], participants: int) -> Protocol:
    study_data["analysis"]["multiplicity"] = "bonferroni"
    study_data["analysis"]["participants"] = participants
    study_data["analysis"]["track_share"] = 1.0  # everyone in the primary's (savings) track
    return validate_protocol(study_data)


def test_unclustered_simulated_power_matches_the_closed_form(study_data: dict[str, Any]) -> None:
    protocol = bonferroni(study_data, participants=210)
    rows = simulate_power(protocol, simulations=400, seed=3, unclustered=True)
    closed = achieved_power(70, 0.5, 0.05 / 2)
    for row in rows:
        if row.family != "primary":
            continue
        assert row.closed_form == pytest.approx(closed)
        assert abs(row.power - closed) < 3 * row.mc_se + 0.02, row


def test_peer_groups_cost_power_that_the_closed_form_misses(study_data: dict[str, Any]) -> None:
    protocol = bonferroni(study_data, participants=210)
    rows = {r.label: r for r in simulate_power(protocol, simulations=150, seed=4)}
    peer, text = rows["peer vs control"], rows["text vs control"]
    assert peer.closed_form is not None
    assert peer.power < peer.closed_form - 3 * peer.mc_se
    assert peer.power < text.power
    assert peer.groups is not None
    assert 3 <= peer.groups <= 7


def test_the_design_has_unequal_groups_and_unplaced_peers(study_data: dict[str, Any]) -> None:
    protocol = validate_protocol(study_data)
    simulation = design_for(protocol, effect=0.5, participants=600, icc=0.05)
    frame = simulate_design(simulation, np.random.default_rng(1))
    peer = frame[frame["arm"] == "peer"]
    sizes = peer.groupby("group").size()
    assert sizes.min() >= 10
    assert sizes.max() <= 15
    assert sizes.nunique() > 1
    assert peer["group"].isna().sum() > 0
    assert frame.loc[frame["arm"] != "peer", "group"].isna().all()


def test_power_protocol_prints_power_per_contrast() -> None:
    arguments = ["power", "--protocol", str(STUDY_FILE), "--simulations", "20"]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    for contrast in ("peer vs control", "text vs control", "peer vs text"):
        assert contrast in result.output
    assert "dunnett over the primary family" in result.output


def test_a_count_primary_is_simulated_as_counts_not_as_its_normal_approximation(
    study_data: dict[str, Any],
) -> None:
    # Heavily overdispersed counts (person-level gamma variance 5) and a rate ratio of 4: the
    # rate-ratio analysis on the log scale is far stronger than a t-test on the counts.
    study_data["analysis"].update(dispersion=5.0, rate_ratio=4.0)
    protocol = bonferroni(study_data, participants=120)
    rows = {r.label: r for r in simulate_power(protocol, simulations=150, seed=2, unclustered=True)}
    for label in ("peer vs control", "text vs control"):
        row = rows[label]
        assert row.closed_form is not None
        assert row.power > row.closed_form + 5 * row.mc_se, row
    assert protocol.analysis is not None
    primary = primary_assumptions(protocol, protocol.analysis)
    assert primary.kind == "count"
    assert primary.effect == pytest.approx(math.log(4.0))


def test_a_standardized_effect_is_turned_into_the_primarys_ratio(study: Protocol) -> None:
    assert study.analysis is not None
    primary = primary_assumptions(study, study.analysis)
    assert primary.kind == "count"
    assert primary.standardized == pytest.approx(study.analysis.effect_size)
    assert "rate ratio" in primary.text
    assert math.exp(primary.effect) > 1


def test_only_the_primarys_track_is_simulated(study_data: dict[str, Any]) -> None:
    study_data["analysis"].update(participants=600, track_share=0.4)
    protocol = validate_protocol(study_data)
    assert protocol.analysis is not None
    primary = primary_assumptions(protocol, protocol.analysis)
    assert (primary.track, primary.analysed(600)) == ("savings", 240)
    rows = simulate_power(protocol, simulations=10, seed=1)
    groups = rows[0].groups
    assert groups is not None
    assert groups < 240 / 3 / 10  # the savers' groups only: at most a tenth of 80 peers


def test_a_contrast_without_a_simulated_effect_is_labelled_its_type_one_error() -> None:
    arguments = ["power", "--protocol", str(STUDY_FILE), "--simulations", "20"]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    lines = {line.split("  ")[0]: line for line in result.output.splitlines()}
    assert "type-I error (no effect simulated)" in lines["peer vs text"]
    assert lines["peer vs control"].rstrip().endswith("power")
    assert "Primary outcome deposits (count): rate ratio" in result.output


def test_power_protocol_finds_the_participants_that_reach_the_target(
    study_data: dict[str, Any],
) -> None:
    study_data["analysis"]["primary"] = "saved_eur"
    study_data["analysis"]["secondary"] = ["deposits"]
    protocol = bonferroni(study_data, participants=120)
    search = search_participants(protocol, target=0.8, simulations=100, seed=6, unclustered=True)
    # the closed form: 78 per arm for d = 0.5 at alpha 0.025, 234 in all
    assert 180 <= search.participants <= 300
    assert search.participants % 3 == 0
    power = primary_power(search.rows)
    assert power is not None
    assert power >= 0.8
    text = format_design_power(search.rows, protocol, 100, True, search)
    assert f"{search.participants} participants reach power 0.8" in text


@pytest.mark.parametrize("file", sorted(CONFIG_DIR.glob("*.toml")), ids=lambda f: f.name)
def test_every_shipped_protocol_reaches_its_power_or_says_it_is_a_pilot(file: Path) -> None:
    protocol = load_protocol(file)
    plan = protocol.analysis
    if plan is None:  # nothing to power: no primary contrast
        return
    checked = CliRunner().invoke(app, ["study", "check", str(file)])
    if plan.pilot:
        assert plan.pilot_reason
        assert "not powered for its primary contrasts" in checked.output
        return
    assert plan.power >= 0.8
    rows = simulate_power(protocol, simulations=150, seed=11)
    power = primary_power(rows)
    assert power is not None
    assert power >= plan.power, format_design_power(rows, protocol, 150, False)
    assert f"sample size: {plan.participants} participants (" in checked.output


def test_settling_rejections_from_the_raw_p_values_never_changes_a_decision(
    study_data: dict[str, Any],
) -> None:
    # simulate_power skips Dunnett's integrals when the raw p values already settle each
    # rejection: it must reject exactly what the full adjustment rejects
    study_data["analysis"].update(participants=300, track_share=1.0)
    protocol = validate_protocol(study_data)
    plan = protocol.analysis
    assert plan is not None
    assert plan.multiplicity == "dunnett"
    primary = primary_assumptions(protocol, plan)
    simulation = design_for(
        protocol, effect=primary.effect, participants=300, icc=plan.icc, kind=primary.kind
    )
    rng = np.random.default_rng(5)
    settled = 0
    for _ in range(40):
        frame = simulate_design(simulation, rng)
        fit = fit_design(frame, protocol, plan, kind=primary.kind)
        full = design_contrasts(fit, protocol, plan, simulation)
        quick = design_contrasts(fit, protocol, plan, simulation, decide=plan.alpha)
        for exact, bound in zip(full, quick, strict=True):
            assert (exact.p_value, exact.estimate) == (bound.p_value, bound.estimate)
            if exact.p_adjusted is None or bound.p_adjusted is None:
                assert exact.p_adjusted == bound.p_adjusted
                continue
            assert (exact.p_adjusted < plan.alpha) == (bound.p_adjusted < plan.alpha), exact
            settled += exact.p_adjusted != bound.p_adjusted
    assert settled > 0  # the shortcut was taken
