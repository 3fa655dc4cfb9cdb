"""A report at any point of a trial: what cannot be estimated says why, the rest stands."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd  # type: ignore[import-untyped]  # pandas ships no type hints
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from experiments.allocation import Pseudonymizer
from experiments.analysis import (
    Design,
    NotEstimable,
    Result,
    analyse,
    itt_estimates,
    per_participant,
    reporting_scale,
)
from experiments.outputs import (
    ESTIMATES_FILE,
    RawTrial,
    TrialSettings,
    build_tables,
    simulate_trial,
)
from experiments.outputs.report import write_report
from experiments.protocol import load_protocol
from tests.experiments.shipped import STUDY_FILE

PROTOCOL = load_protocol(STUDY_FILE)
DESIGN = Design.from_protocol(PROTOCOL)
ARMS = ("peer", "text", "control")


def _finite(*values: float | None) -> bool:
    return all(v is not None and math.isfinite(v) for v in values)


@st.composite
def small_trials(draw: st.DrawFn) -> RawTrial:
    """A few weeks of a small trial: 0-3 people in some arms, an arm or all without events,
    groups of any size (one group, or none)."""
    caps = {arm: draw(st.sampled_from([0, 1, 2, 3, 12])) for arm in ARMS[:-1]}
    caps["control"] = draw(st.integers(0, 3))  # lopsided: a few in control, more elsewhere
    rate = draw(st.sampled_from([0.0, 0.05, 1.0]))
    trial = simulate_trial(
        TrialSettings(
            participants=sum(cap for cap in caps.values()) + 2,
            weeks=draw(st.sampled_from([1.0, 2.0, 6.0])),
            enrollment_days=7.0,
            deposit_rate=rate,
            application_rate=rate,
            placement_share=draw(st.sampled_from([0.0, 0.3])),
            grouped_arms=("peer",),
            group_size=draw(st.sampled_from([2, 3, 20])),
            lost_share=draw(st.sampled_from([0.0, 0.5])),
            seed=draw(st.integers(0, 10_000)),
        )
    )
    raw = trial.raw
    people = raw["participants"]
    rank = people.groupby("arm", dropna=False).cumcount()
    kept = people[people["arm"].isna() | (rank < people["arm"].map(caps).fillna(0))]
    silent = draw(st.sampled_from([None, *ARMS]))  # an arm without any event
    events = raw["events"]
    quiet = set(people.loc[people["arm"] == silent, "id"])
    events = events[~events["participant_id"].isin(quiet)]
    return RawTrial(raw.as_of, {**raw.frames, "participants": kept, "events": events})


def _says_why_or_has_finite_bounds(result: Result) -> None:
    if result.not_estimable is None:
        assert _finite(result.estimate, result.low, result.high), result
    else:
        assert (result.estimate, result.low, result.high, result.p_value) == (None,) * 4, result
        assert result.not_estimable.reason


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=small_trials())
def test_small_and_lopsided_trials_never_raise_and_every_finite_contrast_keeps_its_estimate(
    raw: RawTrial,
) -> None:
    tables = build_tables(raw, Pseudonymizer("k"), protocol=PROTOCOL)
    analysis = analyse(tables, PROTOCOL, raw.as_of, imputations=2)
    for result in analysis.results:
        _says_why_or_has_finite_bounds(result)
    for estimate in itt_estimates(per_participant(tables, DESIGN, raw.as_of), DESIGN):
        if estimate.not_estimable is None:
            assert _finite(estimate.estimate, estimate.low, estimate.high), estimate
        else:
            assert estimate.estimate is None
            assert estimate.low is None


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=small_trials())
def test_the_report_of_a_small_trial_is_written_whole_with_reasons_in_its_csv(
    raw: RawTrial, tmp_path_factory: pytest.TempPathFactory
) -> None:
    out = tmp_path_factory.mktemp("report")
    tables = build_tables(raw, Pseudonymizer("k"), protocol=PROTOCOL)
    page = write_report(tables, PROTOCOL, out, raw.as_of).read_text(encoding="utf-8")
    rows = pd.read_csv(out / ESTIMATES_FILE, keep_default_na=False)
    missing = rows[rows["status"] == "not estimable"]
    assert (missing["reason"] != "").all()
    assert (missing["estimate"] == "").all()
    assert (rows.loc[rows["status"] == "estimated", "estimate"] != "").all()
    # one line per outcome and analysis without an estimate, never a row of dashes per contrast;
    # where the other contrasts of that analysis have estimates, the line names the one without
    # ("peer vs control: not estimable: …")
    lines = missing.groupby(["family", "outcome", "analysis"]).ngroups
    said = re.findall(r'class="text na">([^<]*)', page)
    assert len(said) == lines
    assert all(re.match(r"([^:]+: )?not (yet )?estimable: \S", line) for line in said), said


def test_a_ratio_whose_upper_bound_overflows_is_not_estimable() -> None:
    unbounded = reporting_scale(-2.0, -760.0, 756.0, ratio=True)
    assert isinstance(unbounded, NotEstimable)
    assert "no finite confidence interval" in str(unbounded)
    assert reporting_scale(0.5, 0.1, 0.9, ratio=True) == (
        math.exp(0.5),
        math.exp(0.1),
        math.exp(0.9),
    )


def test_report_on_a_trial_with_one_person_in_control_says_not_estimable_and_why(
    tmp_path: Path,
) -> None:
    raw = simulate_trial(
        TrialSettings(participants=24, weeks=2, grouped_arms=("peer",), group_size=3, seed=3)
    ).raw
    people = raw["participants"]
    control = people.index[people["arm"] == "control"][1:]
    small = RawTrial(raw.as_of, {**raw.frames, "participants": people.drop(control)})
    tables = build_tables(small, Pseudonymizer("k"), protocol=PROTOCOL)
    page = write_report(tables, PROTOCOL, tmp_path, raw.as_of).read_text(encoding="utf-8")
    primary = page[page.index("Primary outcome") : page.index("Participant flow")]
    # both contrasts of the primary lack an estimate: one line says so and why
    assert primary.count('class="text na">not estimable: ') == 1
    assert "<td>not estimable</td>" not in primary
