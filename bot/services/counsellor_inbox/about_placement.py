""" "Ask my counsellor" under the word that no group can take someone in yet: one tap puts the
question in the counsellor inbox, in the participant's language, like a question they typed."""

from __future__ import annotations

from bot.db.study import IntakeStep
from bot.services.counsellor_inbox.tickets import has_contact, open_ticket
from bot.services.trial import Trial
from bot.services.turns import Turn


async def ask_about_placement(turn: Turn, trial: Trial) -> None:
    """Open a ticket asking the counsellor what to do without a group (or say why not)."""
    participant = turn.participant
    if participant is None or participant.step is not IntakeStep.DONE:
        await turn.say_text("activity.not_enrolled")
        return
    if not has_contact(participant, trial):
        await turn.say_text("inbox.not_in_arm")
        return
    await open_ticket(turn, participant, turn.t("pool.counsellor_question"), trial)
