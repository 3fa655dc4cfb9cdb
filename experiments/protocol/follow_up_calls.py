"""`[follow_up_calls]`: the attrition ladder's last step, a person after the automated reminders.

A questionnaire wave still unfinished `after` the last automated reminder (or the invitation,
where the protocol sends none) makes the person a non-responder of that wave. A random `share`
of non-responders, drawn with a logged, seeded draw (`experiments.allocation.call_draws`), get a
call task: a research assistant (`who = "research_assistant"`) or their counsellor
(`who = "counsellor"`) writes with them through the bot and enters their answers, which are
kept with mode `staff`. Because the followed-up are a random subsample of the non-responders,
the report can weight them up (double sampling, Hansen & Hurwitz 1946).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from experiments.protocol.durations import PositiveDuration

__all__ = ["CallRole", "FollowUpCalls"]

CallRole = Literal["research_assistant", "counsellor"]


class FollowUpCalls(BaseModel):
    """Who follows up non-responders, which share of them, and how long after the reminders."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    who: CallRole = "research_assistant"
    share: float = Field(default=0.5, gt=0, le=1)
    after: PositiveDuration = timedelta(days=3)
