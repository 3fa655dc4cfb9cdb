"""💸 "I took money out" (the menu's button, /withdraw, or "opgenomen 20"): a saver logs money
taken out of their savings, so the ledger knows a balance and not only deposits.

A withdrawal is an entry like a deposit: a stored offer confirmed with one tap, recorded once,
taken back by ↩️ Undo (its own correction kind). It is never a deposit: the period's goal, the
group's counts and the deposits outcome stay what was put away; net savings and the balance
(with the starting balance given at intake) count it. The answer never judges: taking money
out is part of saving.
"""

from __future__ import annotations

from sqlalchemy import insert

from bot.db.base import table_of
from bot.db.study import Event, Participant
from bot.services import button_data
from bot.services.ledger import Ledger, ledger_of
from bot.services.participants import offers
from bot.services.participants.activity import may_log
from bot.services.participants.money import InvalidAmount, format_amount, parse_amount
from bot.services.participants.offers import Offered
from bot.services.trial import Trial
from bot.services.turns import Turn
from experiments.records import EventKind, Logged, Window

MONEY_OUT = EventKind.MONEY_OUT.value
AMOUNTS_CENTS = (1000, 2000, 5000)
_RECORD = insert(table_of(Event))


async def withdraw(turn: Turn, trial: Trial, typed: str | None) -> None:
    """/withdraw [amount] or the menu's 💸: the amounts to tap, or one tap to confirm the amount
    typed (a slip of the thumb then costs a "no", not a wrong balance)."""
    if not typed:
        await offer_amounts(turn, trial)
        return
    await confirm_typed(turn, trial, typed)


async def offer_amounts(turn: Turn, trial: Trial) -> None:
    """ "How much did you take out?" with a few amounts, each a stored offer, and "another"."""
    participant = await may_log(turn, MONEY_OUT, trial)
    if participant is None:
        return
    most = trial.protocol.limits.max_deposit_cents
    amounts = [cents for cents in AMOUNTS_CENTS if cents <= most] or [most]
    made = await offers.make(
        turn, participant, [Offered(MONEY_OUT, amount_cents=cents) for cents in amounts]
    )
    row = [
        button_data.button(format_amount(cents, turn.language), button_data.Withdraw(cents, offer))
        for cents, offer in zip(amounts, made, strict=True)
    ]
    other = [button_data.button(turn.t("menu.other_amount"), button_data.TypeInstead("out"))]
    await turn.say_text("money_out.how_much", buttons=[row, other])


async def confirm_typed(turn: Turn, trial: Trial, typed: str) -> None:
    """ "Note €20 as taken out?" with one tap, or why the amount is not one."""
    participant = await may_log(turn, MONEY_OUT, trial)
    if participant is None:
        return
    try:
        cents = parse_amount(typed, max_cents=trial.protocol.limits.max_deposit_cents)
    except InvalidAmount as problem:
        await turn.say_text(problem.reason)
        return
    [offer] = await offers.make(turn, participant, [Offered(MONEY_OUT, amount_cents=cents)])
    yes = button_data.button(turn.t("intents.yes"), button_data.Withdraw(cents, offer))
    no = button_data.button(turn.t("intents.no"), button_data.Dismiss())
    await turn.say_text(
        "money_out.confirm", buttons=[[yes, no]], amount=format_amount(cents, turn.language)
    )


async def withdrawal_offered(turn: Turn, press: button_data.Withdraw, trial: Trial) -> None:
    """A withdrawal button: records its offer's amount once per question; a button that is no
    offer of theirs records nothing."""
    participant = await may_log(turn, MONEY_OUT, trial)
    if participant is None:
        return
    question = await offers.take(
        turn, participant, press.offer, Offered(MONEY_OUT, press.cents), trial
    )
    if question is None:
        return
    ledger = await ledger_of(turn.session, participant.id)
    await _record(turn, participant, press.cents, f"offer:{participant.id}:{question}")
    entry = Logged(EventKind.MONEY_OUT, press.cents, None, turn.now)
    amount = format_amount(press.cents, turn.language)
    await turn.say(
        "\n".join(
            [turn.t("money_out.noted", amount=amount), *money_lines(turn, ledger.with_(entry))]
        )
    )


def money_lines(turn: Turn, ledger: Ledger) -> list[str]:
    """Net savings, and the balance where a starting balance was given: shown once money was
    taken out or a starting balance is known (before that, the total saved says it all)."""
    done = ledger.done(Window())
    if not done.withdrawals and done.starting_cents is None:
        return []
    lines = [
        turn.t(
            "money_out.net",
            out=format_amount(done.taken_out_cents, turn.language),
            net=format_amount(done.net_cents, turn.language),
        )
    ]
    if done.balance_cents is not None:
        lines.append(
            turn.t("money_out.balance", balance=format_amount(done.balance_cents, turn.language))
        )
    return lines


async def _record(turn: Turn, participant: Participant, cents: int, dedupe_key: str) -> None:
    await turn.session.execute(
        _RECORD,
        {
            "participant_id": participant.id,
            "kind": EventKind.MONEY_OUT,
            "amount_cents": cents,
            "quantity": None,
            "detail": {},
            "occurred_at": turn.now,
            "source": "telegram",
            "dedupe_key": dedupe_key,
            "corrects_event_id": None,
        },
    )
