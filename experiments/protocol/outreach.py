"""The counsellor's own check-in (component `counsellor_outreach`): when the bot asks each
assigned counsellor to write to a participant, and the draft it offers them."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict

from experiments.protocol.durations import PositiveDuration
from experiments.protocol.templates import LocalizedText

__all__ = ["Outreach"]

_DRAFT = LocalizedText(
    nl="Hoi! Ik wil even horen hoe het met je gaat. Lukt het een beetje met je plan? "
    "Als je ergens hulp bij wilt, laat het me gerust weten.",
    en="Hi! I wanted to hear how you are doing. Is your plan going a bit? "
    "If there is anything you would like help with, just let me know.",
)


class Outreach(BaseModel):
    """A check-in from the counsellor every `interval`, the first `first_after` allocation, as
    long as the person's intervention runs. The counsellor sends `draft` with one tap, or their
    own words; what anybody wrote is never research data, only that it happened."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first_after: PositiveDuration = timedelta(days=7)
    interval: PositiveDuration = timedelta(days=14)
    draft: LocalizedText = _DRAFT
