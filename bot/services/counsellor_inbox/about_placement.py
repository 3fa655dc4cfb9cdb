""" "Ask my counsellor" under the word that no group can take someone in yet: one tap puts the
question in the counsellor inbox, in the participant's language, like a question they typed."""

from __future__ import annotations

from bot.services.counsellor_inbox.tickets import contactable, open_ticket
from bot.services.trial import Trial
from bot.services.turns import Turn


async def ask_about_placement(turn: Turn, trial: Trial) -> None:
    """Open a ticket asking the counsellor what to do without a group (or say why not)."""
    participant = await contactable(turn, trial)
    if participant is None:
        return
    await open_ticket(turn, participant, turn.t("pool.counsellor_question"), trial)
