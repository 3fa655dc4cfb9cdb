"""Messages nobody asked for: how many a person may get (SPEC §11.1), and the wordings of the
reminder that missed periods take in turn."""

from __future__ import annotations

from datetime import timedelta
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from experiments.protocol.durations import NonNegativeDuration, PositiveDuration
from experiments.protocol.errors import problem
from experiments.protocol.sections import Track
from experiments.protocol.templates import PLACEHOLDERS, Template

__all__ = ["MessageBudget", "ReminderVariant"]


class MessageBudget(BaseModel):
    """How many private messages nobody asked for a person may get (SPEC §11.1).

    Counted per local day of the study: reminders, encouragements, check-ins, invitations, pool
    updates. Exempt: answers to what the person did, what a counsellor wrote, group posts. A
    message over the budget waits for the next allowed day; one waiting longer than
    `stale_after` past its due time is dropped, except invitations (a follow-up questionnaire),
    which wait for as long as it takes.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    per_day: int = Field(default=1, ge=1)
    min_gap: NonNegativeDuration = timedelta(hours=1)
    stale_after: PositiveDuration = timedelta(days=2)


class ReminderVariant(Template):
    """Another wording of a track's reminder; missed periods take the wordings in turn."""

    track: Track

    @model_validator(mode="after")
    def _known_placeholders(self) -> Self:
        allowed = PLACEHOLDERS[f"reminder_{self.track}"]
        unknown = self.placeholders - allowed
        if unknown:
            names = ", ".join(f"{{{name}}}" for name in sorted(unknown))
            offered = ", ".join(f"{{{name}}}" for name in sorted(allowed))
            raise problem(f"unknown placeholder {names}; a reminder offers {offered}")
        return self
