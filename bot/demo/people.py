"""Simulated participants: they tap buttons and the menu, and type commands, like people do."""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from typing import Any

from bot.demo import lasting
from bot.i18n import Language, text
from bot.sandbox import SandboxGroup, SandboxUser
from experiments.protocol import Track

REPLY_TIMEOUT_S = 30.0
JOIN_LINK = re.compile(r"https://t\.me/\+\S+")
GROUP_CHATTER = (
    "Hoi allemaal!",
    "Deze week lukte het me om wat opzij te zetten.",
    "Heeft iemand tips voor een sollicitatiebrief?",
    "Goed bezig, iedereen!",
    "Ik vond het lastig deze week.",
)
AMOUNTS_CENTS = (500, 1000, 2000, 5000)
MENU_SHARE = 0.7  # of logging done by tapping the menu rather than typing a command
MENU_COUNTS = 3  # the menu offers 1, 2 and 3 (and "more", which asks to type)
ASK_PER_DAY = 0.01  # chance that someone with a counsellor asks them a question on a day
ANSWER_CHECK_IN = "otra"  # the ✍️ under a counsellor's check-in
CHECK_IN_ANSWERED = 0.6  # chance that someone answers their counsellor's check-in
CHECK_IN_ANSWERS = {
    "nl": ("Goed hoor, het lukt aardig.", "Het is een drukke week, maar ik probeer het."),
    "en": ("Fine, it is going quite well.", "It is a busy week, but I am trying."),
}
CHECKIN_SHARE = 0.7  # of members who tap a plan (and later a result) under a check-in
RESULT_WEIGHTS = (0.5, 0.3, 0.2)  # "Gelukt?": yes, partly, no, as often as this
SLIP = 0.03  # chance that a tap on the menu logs the wrong number, taken back with ↩️ Herstel
SCALES = frozenset({"gse", "fse", "jsse"})  # answered as before; other instruments: `context`
PREFER_NOT_SHARE = 0.05  # of context questions answered "prefer not to say" where offered
TOGETHER_OFFERS = ("tg:menu", "tg:host_post")
QUESTIONS = {
    "nl": ("Wanneer begint mijn groep?", "Mag ik ook sparen als ik schulden heb?"),
    "en": ("When does my group start?", "Can I save while I have debts?"),
}


def buttons(message: dict[str, Any]) -> list[str]:
    """The callback data of a message's inline buttons."""
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def together_offers(unread: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The invitations to choose the group's ingredients and the host topics among a person's
    new messages: the evening answers them (bot/demo/together.py)."""
    return [m for m in unread if any(d.startswith(TOGETHER_OFFERS) for d in buttons(m))]


def _invitation(message: dict[str, Any]) -> bool:
    """A questionnaire invitation (or its reminder): one button, "start"."""
    return buttons(message) == ["survey:go"]


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: enough for the small means of a week's applications."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


@dataclass
class Person:
    """One simulated participant and what they have done so far."""

    user: SandboxUser
    track: Track
    birth_year: int
    language: str
    rng: random.Random
    arm: str | None = None
    status: str = "new"  # new → enrolled → (paused | withdrawn | blocked)
    resume_on_day: int | None = None
    inbox: list[dict[str, Any]] = field(default_factory=list)
    group: SandboxGroup | None = None
    join_requested: bool = False
    checked_in: set[int] = field(default_factory=set)  # check-in messages seen in the group
    # invitations to choose the group's ingredients, and host topics, for the evening (together)
    offers: list[dict[str, Any]] = field(default_factory=list)
    # slips of the thumb: a generator of their own, so the rest of what they do stays the same
    slips: random.Random | None = None
    # answers to the context questions (benefits, debts, …): a generator of their own too
    context: random.Random | None = None
    # balance, money out and retention answers (a demo with a follow-up phase): their own too
    later: random.Random | None = None
    enrolled_day: int = 0
    # whether they start a job or training (the placement outcome): a generator of their own
    jobs: random.Random | None = None
    placed: bool = False

    async def next_reply(self, wanted: str = "") -> dict[str, Any]:
        """The next bot message (whose first button starts with `wanted`, if given)."""
        return await self._reply(wanted)

    async def _reply(self, wanted: str = "") -> dict[str, Any]:
        """The next bot message (whose first button starts with `wanted`, if given)."""
        while True:
            for index, message in enumerate(self.inbox):
                if _invitation(message) and not wanted.startswith("survey"):
                    continue  # a questionnaire that arrived meanwhile waits to be answered
                if not wanted or (buttons(message) or [""])[0].startswith(wanted):
                    # in place: a caller may hold the list (`self.inbox.insert(0, await …)`)
                    self.inbox[: index + 1] = [m for m in self.inbox[:index] if _invitation(m)]
                    return message
            self.inbox += await self.user.wait_for_messages(count=1, timeout=REPLY_TIMEOUT_S)

    async def _collect(self) -> list[dict[str, Any]]:
        """Everything the bot sent that was not read yet (nudges, invitations)."""
        self.inbox += await self.user.wait_for_messages(count=0, timeout=REPLY_TIMEOUT_S)
        unread, self.inbox = self.inbox, []
        return unread

    async def consent(self, code: str) -> None:
        """Open the deep link and agree; the bot then asks for a language."""
        self.user.send(f"/start {code}")
        consent = await self._reply("consent:")
        self.user.press(consent, buttons(consent)[0])
        # Wait until the bot has enrolled us (it then asks for a language): enrollment order,
        # and so participant numbers, stay the same from run to run.
        self.inbox.insert(0, await self._reply("lang:"))

    async def take_intake(self) -> dict[str, Any]:
        """Language, birth year, track and baseline; stops at the commitment question."""
        self.user.press(await self._reply("lang:"), f"lang:{self.language}")
        await self._reply()  # the birth-year question
        self.user.send(str(self.birth_year))
        self.user.press(await self._reply("track:"), f"track:{self.track}")
        question = await self._reply("q:")
        while True:
            options = buttons(question)
            if self.context is not None and options[0].split(":")[2] not in SCALES:
                await self._answer_context(question, self.context)
            else:
                self.user.press(question, options[min(len(options) - 1, self.rng.randrange(1, 4))])
            question = await self._reply("")
            if self.later is not None and (buttons(question) or [""])[0].startswith("bal:"):
                lasting.answer_balance(self, question, self.later)
                question = await self._reply("commit:")
            if not (buttons(question) or [""])[0].startswith(("q:", "qm:")):
                return question

    async def _answer_context(self, question: dict[str, Any], chooser: random.Random) -> None:
        """Any answer, now and then "prefer not to say"; for multiple choice tick some options
        (the first, Dutch, mostly) and then "done"."""
        options = buttons(question)
        if not options[0].startswith("qm:"):
            answers = [o for o in options if o.startswith("q:") and not o.endswith(":-1")]
            refuse = [o for o in options if o.endswith(":-1")]
            shy = refuse and chooser.random() < PREFER_NOT_SHARE
            self.user.press(question, refuse[0] if shy else chooser.choice(answers))
            return
        prefix = options[0].rsplit(":", 1)[0]
        values = [int(o.rsplit(":", 1)[1]).bit_length() - 1 for o in options if o[:3] == "qm:"]
        selection = 0
        for value in values:
            if chooser.random() < (0.85 if value == values[0] else 0.25):
                self.user.press(question, f"{prefix}:{selection ^ 1 << value}")
                selection ^= 1 << value
                done = "q" + prefix.removeprefix("qm") + f":{selection}"

                def ticked(message: dict[str, Any], wanted: str = done) -> bool:
                    return wanted in buttons(message)

                question = await self.user.wait_for_edit(question, ticked, REPLY_TIMEOUT_S)
        self.user.press(question, "q" + prefix.removeprefix("qm") + f":{selection}")

    async def commit(self, question: dict[str, Any]) -> str:
        """Choose a weekly commitment; the bot allocates and explains the arm."""
        self.user.press(question, self.rng.choice(buttons(question)[:3]))
        explanation = await self._reply()
        self.status = "enrolled"
        return str(explanation.get("text", ""))

    async def live_a_day(self, day: int, weekly: float, placement: float = 0.0) -> None:
        """Maybe save or apply, maybe pause, resume, stop or block; answer open surveys."""
        if self.status == "paused" and self.resume_on_day == day:
            await self._say("/resume")
            self.status = "enrolled"
        if self.status not in {"enrolled", "paused"}:
            return
        unread = await self._collect()
        self.offers += together_offers(unread)
        self._join_group(unread)
        await self._answer_surveys(unread)
        await lasting.answer_retention(self, unread)
        await self._answer_check_ins(unread)
        await lasting.maybe_take_out(self)
        if self._has_counsellor() and self.rng.random() < ASK_PER_DAY:
            await self._ask()
        if self.group is not None and self.rng.random() < 0.25:
            try:
                self.user.send_in_group(self.group, self.rng.choice(GROUP_CHATTER))
            except PermissionError:  # muted or removed by the counsellor
                self.group = None
        if self.rng.random() < 0.004:
            self.user.block()
            self.status = "blocked"
            return
        if self.rng.random() < 0.002:
            self.user.send("/stop")
            self.user.press(await self._reply("stop:"), "stop:yes")  # the confirming tap
            await self._reply()
            self.status = "withdrawn"
            return
        if self.status == "enrolled" and self.rng.random() < 0.003:
            await self._say("/pause")
            self.status, self.resume_on_day = "paused", day + self.rng.randint(3, 10)
        if self.track == Track.SAVINGS:
            if self.rng.random() < 1 - (1 - weekly) ** (1 / 7):
                await self._save()
            return
        applications = _poisson(self.rng, weekly / 7)
        if applications:
            await self._log_steps("applied", applications)
        if self.rng.random() < weekly / 60:
            await self._log_steps("interview", 1)
        daily = 1 - (1 - placement) ** (1 / 7)
        if self.jobs is not None and not self.placed and self.jobs.random() < daily:
            await self._start_work(self.jobs)

    async def _start_work(self, chooser: random.Random) -> None:
        """/job or /training, then what it was: a start (a placement), once."""
        kind = "job" if chooser.random() < 0.75 else "training"
        self.user.send(f"/{kind}")
        question = await self._reply(f"act:{kind}:")
        starts = [d for d in buttons(question) if not d.startswith(f"act:{kind}:offer_")]
        self.user.press(question, chooser.choice(starts))
        await self._reply()
        self.placed = True

    async def act_on_prompt(self) -> None:
        """After a check-in (or on their own): save, or send one application."""
        if self.track == Track.SAVINGS:
            await self._save()
        else:
            await self._log_steps("applied", 1)

    async def _save(self) -> None:
        """Most people tap the menu and an amount; some type the command."""
        if self.rng.random() < MENU_SHARE:
            await self._tap("saved")
            offer = await self._reply("dep:")
            amounts = [data for data in buttons(offer) if data.startswith("dep:")]
            meant = self.rng.choice(amounts)
            if len(amounts) > 1 and self._slipped():  # the wrong amount: take it back first
                offer = await self._mistake(offer, next(a for a in amounts if a != meant))
                cents = meant.split(":")[1]
                meant = next(d for d in buttons(offer) if d.split(":")[1] == cents)
            self.user.press(offer, meant)
            await self._reply()
            return
        amount = self.rng.choice(AMOUNTS_CENTS)
        await self._say(f"/deposit {amount // 100},{amount % 100:02d}")

    async def _log_steps(self, kind: str, count: int) -> None:
        """`count` applications or interviews: by the menu's numbers, or typed as /applied 4."""
        if count <= MENU_COUNTS and self.rng.random() < MENU_SHARE:
            if self._slipped():  # the wrong number: take it back, then log the one meant
                await self._menu_steps(kind, count % MENU_COUNTS + 1)
                await self._undo()
            await self._menu_steps(kind, count)
            return
        await self._say(f"/{kind} {count}" if count > 1 else f"/{kind}")

    async def _menu_steps(self, kind: str, count: int) -> None:
        await self._tap(kind)
        offer = await self._reply(f"steps:{kind}:")
        [choice] = [d for d in buttons(offer) if d.startswith(f"steps:{kind}:{count}:")]
        self.user.press(offer, choice)
        await self._reply()

    async def _mistake(self, offer: dict[str, Any], wrong: str) -> dict[str, Any]:
        """Tap `wrong`, take it back with ↩️ Herstel, and ask for the amounts again."""
        self.user.press(offer, wrong)
        await self._reply()
        await self._undo()
        await self._tap("saved")
        return await self._reply("dep:")

    def _slipped(self) -> bool:
        return self.slips is not None and self.slips.random() < SLIP

    async def _undo(self) -> None:
        """↩️ Herstel, then "yes, remove it"."""
        await self._tap("undo")
        question = await self._reply("undo:")
        self.user.press(question, buttons(question)[0])
        await self._reply()

    def check_in(self) -> list[dict[str, Any]]:
        """Tap a plan under the week's check-in in the group (most members do), and later
        whether it worked out; the taps made. Drawn from a generator of its own, so the rest
        of the demo's people behave as they did before check-ins existed."""
        taps: list[dict[str, Any]] = []
        if self.group is None or self.status not in {"enrolled", "paused"}:
            return taps
        rng = random.Random(f"checkin:{self.user.id}:{len(self.checked_in)}")
        for message in self.group.messages:
            options = buttons(message)
            if message["message_id"] in self.checked_in or not options:
                continue
            if not options[0].startswith(("cip:", "cir:")):
                continue
            self.checked_in.add(message["message_id"])
            if rng.random() >= CHECKIN_SHARE:
                continue
            weights = RESULT_WEIGHTS if options[0].startswith("cir:") else None
            choice = rng.choices(options, weights=weights)[0]
            try:
                taps.append(self.user.press(message, choice))
            except (PermissionError, ValueError):  # muted, removed, or the message was edited
                break
        return taps

    async def _answer_check_ins(self, unread: list[dict[str, Any]]) -> None:
        """Answer the counsellor's check-in (most people do): tap ✍️, then type a line. Drawn
        from a generator of its own, so the rest of what people do stays as it was."""
        for message in unread:
            if buttons(message) != [ANSWER_CHECK_IN]:
                continue
            rng = random.Random(f"outreach:{self.user.id}:{message['message_id']}")
            if rng.random() >= CHECK_IN_ANSWERED:
                continue
            self.user.press(message, ANSWER_CHECK_IN)
            await self._reply()
            await self._say(rng.choice(CHECK_IN_ANSWERS[self.language]))

    def _has_counsellor(self) -> bool:
        """Whether the menu offers to ask a counsellor (arms with counsellor_contact)."""
        rows = (self.user.reply_keyboard or {}).get("keyboard", [])
        ask = text(Language(self.language), "menu.ask")
        return any(button["text"] == ask for row in rows for button in row)

    async def _ask(self) -> None:
        """Tap the menu's ask button, then type the question."""
        await self._tap("ask")
        await self._reply()
        await self._say(self.rng.choice(QUESTIONS[self.language]))

    async def _tap(self, key: str) -> None:
        self.user.tap(text(Language(self.language), f"menu.{key}"))

    def _join_group(self, unread: list[dict[str, Any]]) -> None:
        """Use the personal join link once it arrives (most people do)."""
        for message in unread:
            link = JOIN_LINK.search(message.get("text") or "")
            if link and not self.join_requested and self.rng.random() < 0.9:
                self.user.request_join(link.group(0))
                self.join_requested = True

    async def _say(self, words: str) -> None:
        self.user.send(words)
        await self._reply()

    async def _answer_surveys(self, unread: list[dict[str, Any]]) -> None:
        """Press 'start' on a new survey invitation and answer every item (most people do)."""
        invitations = [m for m in unread if _invitation(m)]
        if not invitations or self.rng.random() > 0.85:
            return
        self.user.press(invitations[-1], "survey:go")
        question = await self._reply()
        while options := [data for data in buttons(question) if data.startswith("q:")]:
            self.user.press(question, self.rng.choice(options))
            question = await self._reply()
