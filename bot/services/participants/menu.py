"""What a tap on the participant's menu does: log or look without typing a command.

Logging asks one more tap first (an amount, a number), so nothing is recorded by a stray tap.
"""

from __future__ import annotations

from bot.services import button_data
from bot.services.keyboard import ASK, TOOK_OUT, UNDO, label_meaning
from bot.services.participants import (
    activity,
    corrections,
    guide,
    money_out,
    offers,
    participation,
)
from bot.services.participants.money import format_amount
from bot.services.participants.offers import Offered
from bot.services.trial import Trial
from bot.services.turns import Turn

COUNT_CHOICES = (1, 2, 3)
DEFAULT_AMOUNTS_CENTS = (500, 1000, 2000)


async def tap(turn: Turn, trial: Trial, label: str) -> None:
    """A menu button was tapped (its label arrives as text)."""
    meaning = label_meaning(label)
    if meaning == "saved":
        await offer_amounts(turn, trial)
    elif meaning == TOOK_OUT:
        await money_out.offer_amounts(turn, trial)
    elif (counted := button_data.counted_kind(meaning or "")) is not None:
        await offer_counts(turn, counted, trial)
    elif meaning in ("job", "training"):
        await activity.action(turn, trial, meaning)
    elif meaning == "progress":
        await participation.progress(turn, trial)
    elif meaning == UNDO:
        await corrections.offer(turn, trial)
    elif meaning == ASK:
        await guide.ask_counsellor(turn, trial, None)
    else:
        await guide.show_help(turn, trial)


def amounts_for(goal_cents: int, max_cents: int) -> list[int]:
    """Half the goal, the goal and twice it, in whole euros of at least €1."""
    if goal_cents < 100:
        return list(DEFAULT_AMOUNTS_CENTS)
    wanted = {max(100, round(goal_cents * share / 100) * 100) for share in (0.5, 1, 2)}
    return sorted(cents for cents in wanted if cents <= max_cents) or [goal_cents]


async def offer_amounts(turn: Turn, trial: Trial) -> None:
    """ "How much did you save?" with a few amounts to tap, each stored as an offer."""
    participant = await activity.may_log(turn, activity.DEPOSIT, trial)
    if participant is None:
        return
    amounts = amounts_for(
        participant.commitment_cents or 0, trial.protocol.limits.max_deposit_cents
    )
    values = [Offered(activity.DEPOSIT, amount_cents=cents) for cents in amounts]
    made = await offers.make(turn, participant, values)
    row = [
        button_data.button(format_amount(cents, turn.language), button_data.Deposit(cents, offer))
        for cents, offer in zip(amounts, made, strict=True)
    ]
    other = [button_data.button(turn.t("menu.other_amount"), button_data.TypeInstead("dep"))]
    await turn.say_text("menu.how_much", buttons=[row, other])


async def offer_counts(turn: Turn, kind: button_data.CountedKind, trial: Trial) -> None:
    """ "How many?" with 1, 2, 3 to tap, each stored as an offer, and "more"."""
    participant = await activity.may_log(turn, kind, trial)
    if participant is None:
        return
    made = await offers.make(turn, participant, [Offered(kind, quantity=n) for n in COUNT_CHOICES])
    row = [
        button_data.button(str(n), button_data.Steps(kind, n, offer))
        for n, offer in zip(COUNT_CHOICES, made, strict=True)
    ]
    row.append(button_data.button(turn.t("menu.more"), button_data.TypeInstead(kind)))
    await turn.say_text(f"menu.how_many_{kind}", buttons=[row])


async def type_instead(turn: Turn, what: str, trial: Trial) -> None:
    """ "Another amount" or "more": say how to type it."""
    kind = {"dep": activity.DEPOSIT, "out": money_out.MONEY_OUT}.get(what, what)
    if await activity.may_log(turn, kind, trial) is None:
        return
    if what == "dep":
        await turn.say_text("menu.type_amount")
    elif what == "out":
        await turn.say_text("money_out.type_amount")
    else:
        await turn.say_text("menu.type_count", command=f"/{what}")
