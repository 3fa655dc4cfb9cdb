"""One clock for the end of a person's intervention (SPEC §11.3): `schedule.intervention_length`
after their allocation. Private nudges and the counsellor inbox follow it; group posts follow
the group's own cycle; logging and follow-up questions go on after it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, true

from bot.db.study import Participant
from bot.services.trial import Trial
from experiments.protocol import intervention_end


def in_intervention(trial: Trial, now: datetime) -> ColumnElement[bool]:
    """SQL: the participant's intervention has not ended at `now` (always, without an end)."""
    length = trial.protocol.schedule.intervention_length
    if length is None:
        return true()
    return Participant.allocated_at > now - length


def has_ended(participant: Participant, trial: Trial, moment: datetime) -> bool:
    """Whether this person's intervention has ended at `moment`."""
    end = intervention_end(trial.protocol.schedule, participant.allocated_at)
    return end is not None and moment >= end
