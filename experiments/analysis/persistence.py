"""Persistence after the end: the primary count in the follow-up phase, by arm (exploratory).

Logging stays open after a person's intervention ends (`schedule.intervention_length`), so the
rate of the primary count from that end to the data date, compared between arms as a rate
ratio, says whether what the intervention started kept going without it. Only people whose
intervention has ended count, each with their own time since the end as exposure.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd  # type: ignore[import-untyped]

from experiments.analysis.contrasts import Result, planned_contrasts
from experiments.analysis.lasting_frame import after_end_name
from experiments.analysis.models import NotEstimable
from experiments.protocol import AnalysisPlan, OutcomeSpec, Protocol, resolve_outcome

__all__ = ["LABEL", "NO_FOLLOW_UP", "persistence_sample", "persistence_unavailable"]

NO_FOLLOW_UP = NotEstimable(
    "no follow-up phase data yet: no intervention has ended, or no one logged after their end"
)
LABEL = "follow-up phase after the end, exposure from each person's end"


def persistence_sample(
    frame: pd.DataFrame, protocol: Protocol, plan: AnalysisPlan
) -> tuple[OutcomeSpec, pd.DataFrame] | None:
    """The persistence outcome and the people it is estimated on (their follow-up-phase count
    as the outcome, their time since the end as exposure); None when the protocol has no end
    or its primary outcome is no count. The sample is empty when there are no data yet."""
    primary = resolve_outcome(plan.primary, protocol)
    if primary is None or primary.kind != "count":
        return None
    if protocol.schedule.intervention_length is None:
        return None
    spec = OutcomeSpec(
        after_end_name(primary.name),
        f"{primary.label} after the end (persistence, exploratory)",
        "count",
        primary.track,
        f"{primary.source}; from the end of the intervention to the data date",
    )
    column = after_end_name(primary.name)
    if column not in frame.columns:
        return spec, frame.iloc[0:0]
    data = frame[frame[column].notna() & frame["exposure_after_end"].notna()]
    if primary.track is not None:
        data = data[data["track"] == primary.track]
    data = data.assign(**{spec.name: data[column], "exposure": data["exposure_after_end"]})
    if data[spec.name].sum() <= 0:
        return spec, data.iloc[0:0]
    return spec, data


def persistence_unavailable(
    spec: OutcomeSpec, protocol: Protocol, plan: AnalysisPlan
) -> list[Result]:
    """One row per planned contrast saying why there is no estimate yet."""
    base = Result(spec, "", "exploratory", LABEL, False, (0, 0), (None, None))
    return [
        replace(base, contrast=text, not_estimable=NO_FOLLOW_UP)
        for text, *_rest in planned_contrasts(protocol, plan)
    ]
