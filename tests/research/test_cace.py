"""The supplementary complier-average effect of joining a peer group, and the interim banner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
import pytest

from experiments.analysis import TrialAnalysis
from experiments.analysis.cace import cace, cace_estimates
from experiments.outputs.report_estimands import cace_pairs, interim_note
from experiments.protocol import event_outcome, load_protocol
from tests.experiments.shipped import STUDY_FILE

PROTOCOL = load_protocol(STUDY_FILE)


def _trial() -> pd.DataFrame:
    """40 allocated to peer (8 groups of 4, in each one placed but never joined; 8 never placed),
    40 to control; outcomes built so the ITT and the join shares are known."""
    rng = np.random.default_rng(7)
    peer_groups = [f"g{i}" for i in range(8) for _ in range(4)] + [None] * 8
    rows = []
    for i, group in enumerate(peer_groups):
        joined = group is not None and i % 4 != 3
        rows.append(("peer", group, joined, 2.0 + 3.0 * joined + rng.normal()))
    for _ in range(40):
        rows.append(("control", None, False, 2.0 + rng.normal()))
    frame = pd.DataFrame(rows, columns=["arm", "group", "joined", "deposits"])
    frame["pseudonym"] = [f"p{i}" for i in range(len(frame))]
    frame["track"] = "savings"
    return frame


def test_the_cace_is_the_itt_over_the_difference_in_who_joined() -> None:
    frame = _trial()
    z = (frame["arm"] == "peer").to_numpy(dtype="float64")
    d = frame["joined"].to_numpy(dtype="float64")
    y = frame["deposits"].to_numpy()
    clusters = frame["group"].fillna(frame["pseudonym"]).to_numpy()
    found = cace(y, z, d, clusters)
    itt = y[z == 1].mean() - y[z == 0].mean()
    assert found.itt == pytest.approx(itt, abs=1e-12)
    assert found.joined == pytest.approx((24 / 40, 0.0))
    assert found.estimate == pytest.approx(itt / (24 / 40), abs=1e-12)
    # the cluster-robust IV sandwich, by matrices: (Z'X)⁻¹ Σ_g Z_g'u_g u_g'Z_g (X'Z)⁻¹ · G/(G − 1)
    x = np.column_stack([np.ones_like(d), d])
    zz = np.column_stack([np.ones_like(z), z])
    beta = np.linalg.solve(zz.T @ x, zz.T @ y)
    assert beta[1] == pytest.approx(found.estimate, abs=1e-12)
    u = y - x @ beta
    meat = np.zeros((2, 2))
    labels = pd.factorize(pd.Series(clusters).astype("string"))[0]
    for g in np.unique(labels):
        s = zz[labels == g].T @ u[labels == g]
        meat += np.outer(s, s)
    bread = np.linalg.inv(zz.T @ x)
    groups = len(np.unique(labels))
    variance = bread @ meat @ bread.T * groups / (groups - 1)
    assert found.se == pytest.approx(float(np.sqrt(variance[1, 1])), rel=1e-10)
    assert found.groups == 8  # formed groups with someone who joined
    assert found.df == 7


def test_no_difference_in_joining_leaves_the_ratio_undefined() -> None:
    y = np.array([1.0, 2.0, 3.0, 4.0])
    found = cace(y, np.array([1.0, 1.0, 0.0, 0.0]), np.zeros(4), np.arange(4))
    assert found.estimate is None
    assert "no difference in who joined" in found.note


def test_the_report_estimates_it_from_the_memberships_when_join_data_exist() -> None:
    frame = _trial()
    joined = frame[frame["joined"] | frame["group"].notna()]
    memberships = pd.DataFrame(
        {
            "pseudonym": joined["pseudonym"],
            "group_id": joined["group"],
            "joined_at": [
                datetime(2026, 1, 1, tzinfo=UTC) if j else None for j in joined["joined"]
            ],
        }
    )
    plan = PROTOCOL.analysis
    assert plan is not None
    spec = event_outcome("deposits")
    assert spec is not None
    found = cace_estimates(
        {"memberships": memberships}, frame, plan, spec, [("peer", "control")], None
    )
    assert len(found) == 1
    assert found[0].joined == pytest.approx((0.6, 0.0))
    assert found[0].estimate == pytest.approx(found[0].itt / 0.6)
    assert cace_estimates({}, frame, plan, spec, [("peer", "control")], None) == []
    without = memberships.drop(columns=["joined_at"])
    assert cace_estimates({"memberships": without}, frame, plan, spec, [], None) == []


def _analysis(allocated: list[datetime]) -> TrialAnalysis:
    plan = PROTOCOL.analysis
    assert plan is not None
    people = pd.DataFrame({"allocated_at": pd.to_datetime(allocated, utc=True)})
    return TrialAnalysis(plan, True, [], [], [], [], None, people)


def test_a_report_before_the_planned_end_says_interim_look_descriptive_only() -> None:
    start = datetime(2026, 1, 5, tzinfo=UTC)
    analysis = _analysis([start, start + timedelta(days=10)])
    early = interim_note(analysis, start + timedelta(days=40))
    assert early.startswith("Interim look: descriptive only.")
    assert "2026-04-09" in early  # the last allocation + 84 days
    assert interim_note(analysis, start + timedelta(days=95)) == ""
    assert cace_pairs(PROTOCOL, analysis) == [("peer", "control"), ("peer", "text")]
