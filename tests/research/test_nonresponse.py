"""The report's non-response-adjusted rows (issue 29.4): where the protocol follows up
non-responders, each questionnaire outcome has a complete-case and a double-sampling row among
the sensitivity analyses (`experiments.analysis.prespecified.analyse` adds them after the
multiple imputation's)."""

from __future__ import annotations

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from experiments.allocation import Pseudonymizer
from experiments.analysis.nonresponse import nonresponse_results
from experiments.analysis.outcome_frame import outcome_frame
from experiments.outputs import TrialSettings, build_tables, simulate_trial
from experiments.protocol import (
    FollowUpCalls,
    follow_up_wave,
    load_protocol,
    resolve_outcome,
    wave_times,
)
from tests.experiments.shipped import STUDY_FILE

STUDY = load_protocol(STUDY_FILE)
CALLING = STUDY.model_copy(update={"follow_up_calls": FollowUpCalls(share=0.5)})


def _calls(tables: dict[str, pd.DataFrame], wave: int) -> pd.DataFrame:
    """A draw log for the simulated trial: everyone without answers at `wave` was a
    non-responder (half chosen, not reached), and a fifth of those with answers were chosen
    non-responders whose answers a staff member entered."""
    rng = np.random.default_rng(29)
    people = tables["participants"]["pseudonym"]
    scores = tables["survey_scores"]
    answered = set(scores[scores["wave"] == f"followup-{wave}"]["pseudonym"])
    rows = []
    for pseudonym in people:
        if pseudonym in answered and rng.random() < 0.2:
            rows.append((pseudonym, True))
        elif pseudonym not in answered:
            rows.append((pseudonym, bool(rng.random() < 0.5)))
    return pd.DataFrame(
        {
            "pseudonym": [p for p, _ in rows],
            "wave": wave,
            "draw": 0.25,
            "selected": [s for _, s in rows],
        }
    )


def test_questionnaire_outcomes_get_a_double_sampling_row_beside_the_complete_cases() -> None:
    settings = TrialSettings(
        participants=150, score_effects={"peer": 3.0}, grouped_arms=("peer",),
        completion_by_arm={"control": 0.6, "peer": 0.85}, seed=29,
    )  # fmt: skip
    sim = simulate_trial(settings)
    tables = build_tables(sim.raw, Pseudonymizer("k"), protocol=CALLING)
    wave = follow_up_wave(CALLING) or len(wave_times(CALLING.schedule))
    tables["follow_up_calls"] = _calls(tables, wave)
    frame = outcome_frame(tables, CALLING, sim.raw.as_of)
    plan = CALLING.analysis
    assert plan is not None
    results = []
    for name in ("gse", "fse", "jsse"):
        spec = resolve_outcome(name, CALLING)
        assert spec is not None
        results += nonresponse_results(frame, tables, CALLING, plan, spec, wave, True)
    rows = [r for r in results if "double-sampling" in r.analysis]
    assert {r.outcome.name for r in rows} == {"gse", "fse", "jsse"}
    assert all(r.family == "sensitivity" for r in rows)
    gse = next(r for r in rows if r.outcome.name == "gse" and r.contrast == "peer vs control")
    assert gse.estimate is not None
    assert "non-responders followed up and answering" in gse.note
    complete = [r for r in results if r.analysis.startswith("complete cases at")]
    assert len(complete) == len(rows)
