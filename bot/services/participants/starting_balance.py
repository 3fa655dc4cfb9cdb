"""The optional starting balance at intake: "about how much do you have in savings now?"

Asked of savers only, after the baseline questions and before the commitment, when the
protocol's `[balance] ask_starting_balance` says so. One question, skippable: a typed amount,
"€0, nothing yet", or "skip". The answer is an event (`STARTING_BALANCE`), so the ledger gives a
balance (starting balance plus net logged savings) for the people who gave one; it is exported,
erased and kept as every other event.
"""

from __future__ import annotations

from bot.db.study import Event, IntakeStep, Participant
from bot.db.upsert import insert_if_absent
from bot.services import button_data
from bot.services.participants.money import InvalidAmount, parse_amount
from bot.services.trial import Trial
from bot.services.turns import Turn
from experiments.protocol import Track
from experiments.records import EventKind

# larger than any savings this study's participants are likely to have, smaller than any slip
MAX_CENTS = 10_000_000


def asked_of(participant: Participant, trial: Trial) -> bool:
    """Whether the intake asks this person their starting balance."""
    return trial.protocol.balance.ask_starting_balance and participant.track == Track.SAVINGS


async def ask(turn: Turn) -> None:
    """The question, with "€0" and "skip" to tap."""
    buttons = [
        [
            button_data.button(turn.t("starting_balance.nothing"), button_data.StartingBalance(0)),
            button_data.button(turn.t("starting_balance.skip"), button_data.StartingBalance(None)),
        ]
    ]
    await turn.say_text("starting_balance.ask", buttons=buttons)


async def typed(turn: Turn, words: str) -> bool:
    """A typed starting balance: kept (True), or why it is no amount (False, nothing kept)."""
    try:
        cents = parse_amount(words, max_cents=MAX_CENTS)
    except InvalidAmount as problem:
        if problem.reason != "amount.not_positive" or "-" in words:
            await turn.say_text(problem.reason)
            return False
        cents = 0  # "0" or "€ 0,00": nothing saved yet is an answer too
    await _keep(turn, cents)
    return True


async def pressed(turn: Turn, cents: int | None) -> bool:
    """ "€0" or "skip"; False when the question was answered already (the person told so)."""
    participant = turn.participant
    if participant is None or participant.step is not IntakeStep.BALANCE:
        await turn.say_text("button.answered")
        return False
    if cents is None:
        await turn.say_text("starting_balance.skipped")
        return True
    await _keep(turn, cents)
    return True


async def _keep(turn: Turn, cents: int) -> None:
    participant = turn.participant
    assert participant is not None
    row = {
        "participant_id": participant.id,
        "kind": EventKind.STARTING_BALANCE,
        "amount_cents": cents,
        "quantity": None,
        "detail": {},
        "occurred_at": turn.now,
        "source": "telegram",
        "dedupe_key": f"starting_balance:{participant.id}",
        "corrects_event_id": None,
    }
    await insert_if_absent(turn.session, Event, row, ["dedupe_key"])
    await turn.say_text("starting_balance.noted")
