"""Messages nobody asked for: how many a person may get (SPEC §11.1), and the wordings of the
reminder that missed periods take in turn."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from experiments.protocol.durations import NonNegativeDuration, PositiveDuration
from experiments.protocol.errors import problem
from experiments.protocol.languages import Language
from experiments.protocol.sections import Track
from experiments.protocol.templates import COUNTS, PLACEHOLDERS, Template, Templates

__all__ = [
    "MIN_REMINDER_WORDINGS",
    "MessageBudget",
    "ReminderVariant",
    "period_wording_warnings",
    "reminder_problems",
    "reminder_wordings",
]

# Nobody should read the same reminder week after week (issue 25): each track needs this many.
MIN_REMINDER_WORDINGS = 3
# The templates that speak of the person's own commitment period, and the words for it.
_PERIOD_TEMPLATES = (
    "confirmation_deposit",
    "confirmation_action",
    "congratulation_deposit",
    "congratulation_action",
    "reminder_savings",
    "reminder_jobsearch",
    "encouragement_savings",
    "encouragement_jobsearch",
)
_PERIOD_WORD = {
    Language.NL: re.compile(r"\bperiode\b", re.I),
    Language.EN: re.compile(r"\bperiod\b", re.I),
}
_WEEK_WORD = re.compile(r"\bweek\b", re.I)


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
        not_counts = self.selectors - COUNTS.get(f"reminder_{self.track}", frozenset())
        if not_counts:
            names = ", ".join(f"{{{name}}}" for name in sorted(not_counts))
            raise problem(f"{names} is no number, so it cannot choose a plural form")
        return self


def reminder_wordings(
    templates: Templates, variants: Sequence[ReminderVariant], track: Track
) -> tuple[Template, ...]:
    """A track's reminder wordings, in turn: the template first, then its variants."""
    return (templates.get(f"reminder_{track}"), *(v for v in variants if v.track == track))


def reminder_problems(
    templates: Templates, variants: Sequence[ReminderVariant]
) -> Iterator[tuple[str, str]]:
    """Tracks with fewer than `MIN_REMINDER_WORDINGS` wordings of their reminder."""
    for track in Track:
        wordings = len(reminder_wordings(templates, variants, track))
        if wordings < MIN_REMINDER_WORDINGS:
            yield (
                "reminder_variants",
                f"the {track} track has {wordings} reminder wording(s); give at least "
                f"{MIN_REMINDER_WORDINGS} (templates.reminder_{track} and [[reminder_variants]] "
                f'with track = "{track}"), so nobody reads the same reminder week after week',
            )


def period_wording_warnings(
    templates: Templates, variants: Sequence[ReminderVariant], period: timedelta
) -> list[str]:
    """Templates whose word for the commitment period does not fit it: the bot's own texts say
    "week", so a weekly protocol should too, and a protocol of other periods should not."""
    weekly = period == timedelta(days=7)
    wordings = [(f"templates.{kind}", templates.get(kind)) for kind in _PERIOD_TEMPLATES]
    wordings += [(f"reminder_variants[{n}]", v) for n, v in enumerate(variants)]
    found = []
    for where, template in wordings:
        for language, period_word in _PERIOD_WORD.items():
            words = template.text(language)
            if weekly and period_word.search(words):
                found.append(
                    f"{where}.{language}: the commitment period is a week; "
                    "say week, as the bot's own texts do"
                )
            elif not weekly and _WEEK_WORD.search(words):
                found.append(
                    f"{where}.{language}: says week, but the commitment period is not a week"
                )
    return found
