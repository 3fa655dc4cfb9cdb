"""The protocol's `[person_limits]`: how much one person may ask of the bot and their counsellor.

A section of its own, so that a protocol without it keeps loading with the defaults.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class PersonLimits(BaseModel):
    """Limits per person (SPEC §11.8); staff are not limited."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # more than this many messages and button taps in a minute: one "slow down", then nothing
    # is answered or recorded until the minute has passed
    messages_per_minute: int = Field(default=20, ge=5, le=600)
    # open questions to a counsellor at a time; a further question is added to the newest one
    open_tickets: int = Field(default=1, ge=1, le=20)
