"""Everyday words after the intake: "gespaard 10", "ik heb 2 keer gesolliciteerd", "hoe sta ik
ervoor", "ik heb werk gevonden!!", "help", "dank je", "👍", "stop", in Dutch or English.

A recognised wish to log is never recorded at once: the answer offers one tap to confirm it
(the menu's own choices), so a misread sentence costs a "no", not a wrong number in the trial.
Greetings, thanks and "ok" get a short kind answer with the menu. The words themselves are in
`phrases.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.services import button_data
from bot.services.keyboard import ASK, menu_keys
from bot.services.participants import activity, guide, menu, money_out, offers, participation
from bot.services.participants.money import InvalidAmount, format_amount, parse_amount
from bot.services.participants.offers import Offered
from bot.services.participants.phrases import (
    APPLIED,
    GREETING,
    HELP,
    INTERVIEW,
    JOB,
    NEGATION,
    NOT_A_JOB,
    OK,
    PROGRESS,
    SAVED,
    STOP,
    THANKS,
    TOOK_OUT,
    normal,
    says,
    short,
)
from bot.services.trial import Trial
from bot.services.turns import Turn
from experiments.protocol import Track

NUMBER_WORDS = {
    "een": 1, "één": 1, "once": 1, "one": 1, "twee": 2, "two": 2, "twice": 2, "drie": 3,
    "three": 3, "vier": 4, "four": 4, "vijf": 5, "five": 5,
}  # fmt: skip
# A number as typed, with a sign or exponent stuck to it: "-5" and "1e6" are read whole, so they
# are refused as amounts and counts rather than read as 5 and 1.
_AMOUNT = re.compile(
    r"(?P<sign>[-+−–—])?\s*(?:€\s*)?(?P<inner>[-+−–—])?"
    r"(?P<digits>\d[\d.,]*)(?P<exponent>e[-+−]?\d+)?"
)
_WORD = re.compile(r"[a-zà-ÿ]+")
# only a number or an amount: what "another amount" and "more" ask for
# (a sign or exponent is read with it, to be refused)
_BARE_NUMBER = re.compile(
    r"^(?:€\s*)?([-+−–—]?\s*(?:€\s*)?\d+(?:[.,]\d{1,2})?(?:e[-+−]?\d+)?)\s*(?:euro|eur|€)?$"
)


@dataclass(frozen=True)
class Wish:
    """What a sentence asks for: `what` (saved, applied, …) and a number, if one was said."""

    what: str
    number: str | None = None


def read(typed: str) -> Wish | None:
    """The wish in a short everyday sentence, or None when we do not recognise one."""
    words = " ".join(typed.lower().split())  # for numbers and amounts, as typed
    plain = normal(typed)  # for words
    if typed.strip() and not typed.strip(" ?¿"):  # "?" or "???"
        return Wish("help")
    if says(plain, PROGRESS):
        return Wish("progress")
    if says(plain, TOOK_OUT) and not says(plain, NEGATION):
        return Wish("took_out", _digits(words))
    if says(plain, SAVED):
        return Wish("saved", _digits(words))  # "een keer gespaard" is no amount of one euro
    if says(plain, JOB) and not says(plain, NOT_A_JOB):
        return Wish("job")
    for what, known in (("interview", INTERVIEW), ("applied", APPLIED)):
        if says(plain, known):
            return Wish(what, _digits(words) or _number_word(words))
    if says(plain, HELP):
        return Wish("help")
    if says(plain, STOP):
        return Wish("stop")
    return _small_talk(plain)


def _small_talk(plain: str) -> Wish | None:
    """Thanks, a greeting or "ok", when that is all a short message says."""
    if not short(plain):
        return None
    denied = says(plain, NEGATION)  # "niet goed", "no thanks" are not a friendly "ok"
    if says(plain, THANKS) and not denied:
        return Wish("thanks")
    if says(plain, GREETING):
        return Wish("greeting")
    if says(plain, OK) and not denied:
        return Wish("ok")
    return None


def _digits(words: str) -> str | None:
    found = _AMOUNT.search(words)
    if found is None:
        return None
    sign = found.group("sign") or found.group("inner") or ""
    return sign + found.group("digits").rstrip(".,") + (found.group("exponent") or "")


def amount_of(number: str, max_cents: int) -> int:
    """The cents a wish's number says; InvalidAmount (with the reason to tell) for anything
    signed, in exponent notation or otherwise not an amount the protocol allows."""
    return parse_amount(number, max_cents=max_cents)


def count_of(number: str, maximum: int) -> int | None:
    """How many steps a wish's number says, if it is a plain count from 1 to `maximum`."""
    if not (number.isascii() and number.isdigit()) or len(number) > len(str(maximum)):
        return None
    count = int(number)
    return count if 1 <= count <= maximum else None


def _number_word(words: str) -> str | None:
    for word in _WORD.findall(words):
        if word in NUMBER_WORDS:
            return str(NUMBER_WORDS[word])
    return None


SMALL_TALK = ("greeting", "thanks", "ok")  # wishes that record nothing and ask for nothing


async def answer(turn: Turn, typed: str, trial: Trial) -> None:
    """Text from a participant who finished the intake: act on a recognised wish, asking one
    tap before anything is recorded; small talk a kind word; otherwise a pointer to the buttons."""
    wish = read(typed)
    participant = turn.participant
    track = participant.track if participant is not None else None
    bare = _BARE_NUMBER.match(" ".join(typed.lower().split()))
    if wish is None and bare is not None and track == Track.SAVINGS:
        await _confirm_saving(turn, bare.group(1), trial)
    elif wish is None and bare is not None and track == Track.JOBSEARCH:
        await _which_steps(turn, bare.group(1), trial)
    elif wish is None:
        await not_understood(turn)
    elif wish.what == "progress":
        await participation.progress(turn, trial)
    elif wish.what == "help":
        await guide.show_help(turn, trial)
    elif wish.what == "stop":
        await participation.ask_stop(turn, trial)
    elif wish.what == "job":
        await _found_work(turn, trial)
    elif wish.what == "greeting":
        await turn.say_text("smalltalk.greeting", name=turn.incoming.first_name)
    elif wish.what in ("thanks", "ok"):
        await turn.say_text(f"smalltalk.{wish.what}")
    elif wish.what == "saved":
        await _confirm_saving(turn, wish.number, trial)
    elif wish.what == "took_out":
        await money_out.withdraw(turn, trial, wish.number)
    elif (kind := button_data.counted_kind(wish.what)) is not None:
        await _confirm_steps(turn, kind, wish.number, trial)
    else:
        await not_understood(turn)


async def not_understood(turn: Turn) -> None:
    """Words the bot cannot read: a pointer to the buttons, and to the counsellor's button for
    someone who has one (free text is often meant for a person, not for the bot)."""
    if any(ASK in row for row in menu_keys(turn.participant)):
        await turn.say_text("unknown.text_counsellor", button=turn.t("menu.ask"))
    else:
        await turn.say_text("unknown.text")


async def _found_work(turn: Turn, trial: Trial) -> None:
    """ "Ik heb werk gevonden!": what kind of job, one tap, where a job is recorded; a kind
    word where the person's track keeps no job-search logbook."""
    participant = turn.participant
    track = participant.track if participant is not None else None
    if trial.protocol.tracks.may_log(track, Track.JOBSEARCH):
        await activity.action(turn, trial, "job")
    else:
        await turn.say_text("smalltalk.job_for_savers")


async def _confirm_saving(turn: Turn, number: str | None, trial: Trial) -> None:
    """ "Record €10 as saved?" once the track may log savings; the amounts to tap when no number
    was said, the reason when the number is no amount."""
    participant = await activity.may_log(turn, activity.DEPOSIT, trial)
    if participant is None:
        return
    if number is None:
        await menu.offer_amounts(turn, trial)
        return
    try:
        cents = amount_of(number, trial.protocol.limits.max_deposit_cents)
    except InvalidAmount as problem:
        await turn.say_text(problem.reason)
        return
    [offer] = await offers.make(turn, participant, [Offered(activity.DEPOSIT, amount_cents=cents)])
    amount = format_amount(cents, turn.language)
    await _confirm(turn, "intents.confirm_saved", button_data.Deposit(cents, offer), what=amount)


async def _confirm_steps(
    turn: Turn, kind: button_data.CountedKind, number: str | None, trial: Trial
) -> None:
    participant = await activity.may_log(turn, kind, trial)
    if participant is None:
        return
    if number is None:
        await menu.offer_counts(turn, kind, trial)
        return
    maximum = trial.protocol.limits.max_applications_per_log
    count = count_of(number, maximum)
    if count is None:
        await turn.say_text("count.between", maximum=maximum)
        return
    [offer] = await offers.make(turn, participant, [Offered(kind, quantity=count)])
    what = turn.plural(activity.COUNTED[kind], count)
    await _confirm(turn, "intents.confirm_steps", button_data.Steps(kind, count, offer), what=what)


async def _which_steps(turn: Turn, number: str, trial: Trial) -> None:
    """A bare number from a jobseeker (after "more"): one tap says what it counts."""
    participant = await activity.may_log(turn, "applied", trial)
    if participant is None:
        return
    maximum = trial.protocol.limits.max_applications_per_log
    count = count_of(number, maximum)
    if count is None:
        await turn.say_text("count.between", maximum=maximum)
        return
    kinds: tuple[button_data.CountedKind, ...] = ("applied", "interview")
    made = await offers.make(turn, participant, [Offered(kind, quantity=count) for kind in kinds])
    rows = [
        [
            button_data.button(
                turn.plural(activity.COUNTED[kind], count), button_data.Steps(kind, count, offer)
            )
        ]
        for kind, offer in zip(kinds, made, strict=True)
    ]
    rows.append([button_data.button(turn.t("intents.no"), button_data.Dismiss())])
    await turn.say_text("intents.which_steps", buttons=rows)


async def _confirm(turn: Turn, key: str, press: button_data.Press, **params: object) -> None:
    yes = button_data.button(turn.t("intents.yes"), press)
    no = button_data.button(turn.t("intents.no"), button_data.Dismiss())
    await turn.say_text(key, buttons=[[yes, no]], **params)
