"""What a tap on the participant's menu does: log or look without typing a command.

Logging asks one more tap first (an amount, a number), so nothing is recorded by a stray tap.
"""

from __future__ import annotations

from collections.abc import Collection

from bot.outbox import Button
from bot.services import activity, guide, participation
from bot.services.keyboard import label_meaning
from bot.services.money import format_amount
from bot.services.trial import Trial
from bot.services.turns import Turn

PREFIX = "menu"
COUNT_CHOICES = (1, 2, 3)
DEFAULT_AMOUNTS_CENTS = (500, 1000, 2000)


async def tap(turn: Turn, label: str, trial: Trial, admin_ids: Collection[int]) -> None:
    """A menu button was tapped (its label arrives as text)."""
    meaning = label_meaning(label)
    if meaning == "saved":
        await offer_amounts(turn, trial)
    elif meaning in activity.COUNTED:
        await offer_counts(turn, meaning)
    elif meaning in ("job", "training"):
        await activity.action(turn, meaning, None, trial)
    elif meaning == "progress":
        await participation.progress(turn, trial)
    else:
        await guide.show_help(turn, admin_ids)


def amounts_for(goal_cents: int, max_cents: int) -> list[int]:
    """Half the goal, the goal and twice it, in whole euros of at least €1."""
    if goal_cents < 100:
        return list(DEFAULT_AMOUNTS_CENTS)
    wanted = {max(100, round(goal_cents * share / 100) * 100) for share in (0.5, 1, 2)}
    return sorted(cents for cents in wanted if cents <= max_cents) or [goal_cents]


async def offer_amounts(turn: Turn, trial: Trial) -> None:
    participant = turn.participant
    if participant is None or participant.track != "savings":
        await activity.deposit(turn, None, trial)  # explains who can record savings
        return
    amounts = amounts_for(
        participant.commitment_cents or 0, trial.protocol.limits.max_deposit_cents
    )
    row = [Button(format_amount(c, turn.language), f"{PREFIX}:dep:{c}") for c in amounts]
    other = [Button(turn.t("menu.other_amount"), f"{PREFIX}:dep:other")]
    await turn.say_text("menu.how_much", buttons=[row, other])


async def offer_counts(turn: Turn, kind: str) -> None:
    row = [Button(str(n), f"{PREFIX}:{kind}:{n}") for n in COUNT_CHOICES]
    row.append(Button(turn.t("menu.more"), f"{PREFIX}:{kind}:more"))
    await turn.say_text(f"menu.how_many_{kind}", buttons=[row])


async def choose(turn: Turn, data: str, trial: Trial) -> None:
    """An inline choice under a menu question: "menu:dep:1000", "menu:applied:2"."""
    kind, _, value = data.removeprefix(f"{PREFIX}:").partition(":")
    number = value.isascii() and value.isdigit()  # callback data is at most 64 bytes
    if kind == "dep" and number:
        cents = int(value)
        await activity.deposit(turn, f"{cents // 100},{cents % 100:02d}", trial)
    elif kind == "dep":
        await turn.say_text("menu.type_amount")
    elif kind in activity.COUNTED and number:
        await activity.action(turn, kind, None, trial, value)
    elif kind in activity.COUNTED:
        await turn.say_text("menu.type_count", command=f"/{kind}")
    elif kind == "stop" and value == "yes":
        await participation.stop(turn)
    elif kind == "no":
        await turn.say_text("intents.nothing")
