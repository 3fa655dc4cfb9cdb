"""The non-response-adjusted rows of the report: for a questionnaire outcome at the plan's wave,
the complete-case difference in means beside the double-sampling one (non-responders followed up
by a person, weighted up: `experiments.analysis.double_sampling`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import pandas as pd  # type: ignore[import-untyped]

from experiments.analysis.contrasts import Family, Result, planned_contrasts
from experiments.analysis.double_sampling import (
    DoubleSample,
    complete_case_contrast,
    double_sampling_contrast,
    double_sampling_frame,
)
from experiments.analysis.models import NotEstimable
from experiments.protocol import AnalysisPlan, OutcomeSpec, Protocol

__all__ = ["CALLS_TABLE", "nonresponse_results"]

CALLS_TABLE = "follow_up_calls"


def nonresponse_results(
    frame: pd.DataFrame,
    tables: Mapping[str, pd.DataFrame],
    protocol: Protocol,
    plan: AnalysisPlan,
    spec: OutcomeSpec,
    wave: int,
    registered: bool,
) -> list[Result]:
    """Both rows for every planned contrast, where the protocol follows up non-responders."""
    calls = tables.get(CALLS_TABLE)
    column = f"followup{wave}_{spec.name}"
    if protocol.follow_up_calls is None or calls is None or column not in frame.columns:
        return []
    people = frame if spec.track is None else frame[frame["track"] == spec.track]
    data = double_sampling_frame(people, calls, wave, column)
    family: Family = "sensitivity" if registered else "exploratory"
    rows = []
    for text, _weights, _override, ones, others in planned_contrasts(protocol, plan):
        for label, value in (
            (
                f"complete cases at follow-up {wave}, unadjusted difference in means",
                complete_case_contrast(data, ones, others, plan.alpha),
            ),
            (
                f"non-responders followed up at follow-up {wave}, double-sampling weights "
                "(non-response adjusted)",
                double_sampling_contrast(data, ones, others, plan.alpha),
            ),
        ):
            rows.append(_row(spec, text, family, label, registered, value))
    return rows


def _row(
    spec: OutcomeSpec, text: str, family: Family, label: str, registered: bool, value: DoubleSample
) -> Result:
    first, second = value.first, value.second
    n = (first.responders + first.followed_up, second.responders + second.followed_up)
    base = Result(spec, text, family, label, registered, n, (first.mean, second.mean))
    note = ""
    if first.non_responders or second.non_responders:
        note = (
            f"non-responders followed up and answering {first.followed_up}/"
            f"{first.non_responders} and {second.followed_up}/{second.non_responders}"
        )
    if value.estimate is None or value.low is None or value.high is None:
        reason = "no answers from the followed-up non-responders of an arm, or too few answers"
        return replace(base, not_estimable=NotEstimable(reason))
    return replace(
        base,
        estimate=value.estimate,
        low=value.low,
        high=value.high,
        p_value=value.p_value,
        note=note,
    )
