"""The outcomes the bot records, by name: what a protocol's analysis plan may choose from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["EVENT_OUTCOMES", "QUESTIONNAIRE_LABELS", "OutcomeKind", "OutcomeSpec", "event_outcome"]

OutcomeKind = Literal["count", "money", "binary", "questionnaire"]


@dataclass(frozen=True, slots=True)
class OutcomeSpec:
    """One outcome per participant: its name in the plan, who has it and how it is modelled.

    `track` None means both tracks; `source` says which exported columns it is built from
    (events.kind values as in the codebook, or survey_scores.instrument).
    """

    name: str
    label: str
    kind: OutcomeKind
    track: str | None
    source: str

    @property
    def measure(self) -> str:
        """What the model estimates for a contrast."""
        return {
            "count": "rate ratio",
            "money": "difference in means",
            "binary": "risk ratio",
            "questionnaire": "adjusted difference (ANCOVA)",
        }[self.kind]

    @property
    def ratio(self) -> bool:
        """Whether the estimate is a ratio (null 1, log scale) rather than a difference."""
        return self.kind in ("count", "binary")


# Built from events as experiments/outputs/export.py exports them (events.kind, amount_cents,
# quantity).
EVENT_OUTCOMES: tuple[OutcomeSpec, ...] = (
    OutcomeSpec(
        "deposits", "Deposits", "count", "savings", "events: deposits less corrections (ledger.did)"
    ),
    OutcomeSpec(
        "saved_eur",
        "Total saved (€)",
        "money",
        "savings",
        "events: deposit amount_cents, corrected",
    ),
    OutcomeSpec(
        "applications", "Applications", "count", "jobsearch", "events: applied quantity, corrected"
    ),
    OutcomeSpec(
        "interviews", "Interviews", "count", "jobsearch", "events: interview quantity, corrected"
    ),
    OutcomeSpec(
        "placement",
        "Placement (job or training)",
        "binary",
        "jobsearch",
        "events: job, training, corrected",
    ),
)

# Questionnaire outcomes are survey_scores.instrument values; these get a nicer label.
QUESTIONNAIRE_LABELS = {
    "gse": "General self-efficacy (GSE)",
    "fse": "Financial self-efficacy (FSE)",
    "jsse": "Job-search self-efficacy (JSSE)",
    "djg6": "Loneliness (De Jong Gierveld, 6 items)",
    "fwb5": "Financial well-being (CFPB, 5 items)",
    "jsc": "Job-search clarity (not validated)",
    "instcap": "Institutional capital (not validated)",
}


def event_outcome(name: str) -> OutcomeSpec | None:
    """The event-based outcome with this name, or None."""
    return next((spec for spec in EVENT_OUTCOMES if spec.name == name), None)
