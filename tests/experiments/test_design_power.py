"""`lotgenoot power --protocol`: power of the analysis plan by simulating the design."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from experiments.analysis import achieved_power, design_for, simulate_design, simulate_power
from experiments.protocol import Protocol, validate_protocol

from .shipped import STUDY_FILE


def bonferroni(study_data: dict[str, Any], participants: int) -> Protocol:
    study_data["analysis"]["multiplicity"] = "bonferroni"
    study_data["analysis"]["participants"] = participants
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
