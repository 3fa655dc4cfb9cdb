"""What simulated people do with outcomes that last (a demo with `--follow-up-weeks`): give a
starting balance or skip it, sometimes take money out, and answer "do you still have this
work?". Each draws from a generator of their own (`Person.later`), so the default demo, which
has none, does exactly what it did before."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.i18n import Language, text
from experiments.protocol import Protocol

if TYPE_CHECKING:
    from bot.demo.people import Person

TAKE_OUT_PER_DAY = 0.02  # a saver takes money out about every seven weeks
STILL_WORKING = 0.8  # of those who answer, still in the job or training they started
ANSWERS = 0.85  # share of retention questions answered


def _buttons(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def answer_balance(person: Person, question: dict[str, Any], rng: random.Random) -> None:
    """The optional starting balance: most type an amount, some have nothing, some skip."""
    draw = rng.random()
    if draw < 0.6:
        person.user.send(str(rng.choice((50, 150, 400, 1200))))
    else:
        person.user.press(question, "bal:0" if draw < 0.8 else "bal:skip")


async def answer_retention(person: Person, unread: list[dict[str, Any]]) -> None:
    """Answer the retention questions that arrived (most people do)."""
    rng = person.later
    if rng is None:
        return
    for question in (m for m in unread if (_buttons(m) or [""])[0].startswith("kept:")):
        if rng.random() > ANSWERS:
            continue
        choice = "yes" if rng.random() < STILL_WORKING else rng.choice(("no", "other"))
        [data] = [d for d in _buttons(question) if d.endswith(f":{choice}")]
        person.user.press(question, data)
        await person.next_reply()


async def maybe_take_out(person: Person) -> None:
    """Now and then a saver takes money out: 💸 and an amount."""
    rng = person.later
    if rng is None or person.track != "savings" or rng.random() > TAKE_OUT_PER_DAY:
        return
    person.user.tap(text(Language(person.language), "menu.took_out"))
    offer = await person.next_reply("out:")
    person.user.press(offer, rng.choice([d for d in _buttons(offer) if d.startswith("out:")]))
    await person.next_reply()


def follow_up_protocol(protocol: Protocol, weeks: int, follow_up_weeks: int) -> Protocol:
    """The demo's protocol with an end after `weeks` and one follow-up wave late enough in the
    `follow_up_weeks` after it for everyone enrolled (over the first two weeks) to be asked."""
    if follow_up_weeks <= 0:
        return protocol
    length = timedelta(weeks=weeks)
    wave = max(timedelta(days=7), timedelta(weeks=follow_up_weeks) - timedelta(days=18))
    schedule = protocol.schedule.model_copy(
        update={
            "intervention_length": length,
            "survey_times": tuple(t for t in protocol.schedule.survey_times if t < length),
            "follow_up_times": (wave,),
        }
    )
    return protocol.model_copy(update={"schedule": schedule})


def weekly_rate(
    rates: dict[str, float], arm: str, persistence: dict[str, float], after_end: bool
) -> float:
    """An arm's weekly rate; after the end its effect over control keeps `persistence[arm]`."""
    base = rates["control"]
    rate = rates.get(arm, base)
    return base + (rate - base) * persistence.get(arm, 1.0) if after_end else rate
