"""The demo's staff: an admin who hands out links, a counsellor who sets up the peer groups, and
(where the protocol follows up non-responders) a research assistant who does the calls."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox import SandboxGroup, SandboxUser, TelegramSandbox

BIND_CODE = re.compile(r"/bind (\w+)")
DEEP_LINK = re.compile(r"https://t\.me/\S+\?start=(\S+)")
REPLY_TIMEOUT_S = 30.0
# a question, or a participant's answer to a check-in: both are answered by a reply
TICKET = re.compile(r"^(?:❓ (?:Vraag|Question) #\d+|💬 )")
RELAYED = re.compile(r"#\d+ (?:is onderweg|is on its way)")
CHECK_IN = "otr:"  # the ✅ under a check-in prompt: send its draft
ANSWER = "Goede vraag! Laten we het er bij onze volgende afspraak over hebben."
CALL_TASK = re.compile(r"^📞 (?:Opvolgtaak|Follow-up task) #(\d+)")
CALL_QUESTION = re.compile(r"^\d+\. (.*)$", re.MULTILINE)
CALL_OPTION = re.compile(r"(-?\d+) = ")
CALL_RANGE = re.compile(r"(?:van|from) (-?\d+) (?:tot|to) (-?\d+)")
# the answers kept, or (a task cut short by Telegram's length) refused for their number
CALL_DONE = re.compile(r"#\d+ (?:is klaar|is done)|#\d+: (?:het aantal|the number)")
CALL_HELLO = "Hoi! Ik bel je niet, ik schrijf je hier. Mag ik je de vragen stellen?"
REACHED = 0.9  # of the non-responders followed up, those who answer the assistant


async def ask(person: SandboxUser, words: str, expected: re.Pattern[str]) -> dict[str, Any]:
    """Say something in private chat and return the bot's answer (alerts may arrive too)."""
    person.send(words)
    while True:
        for message in await person.wait_for_messages(count=1, timeout=REPLY_TIMEOUT_S):
            if expected.search(message.get("text") or ""):
                return message


@dataclass
class Admin:
    user: SandboxUser

    async def enrollment_codes(self, site: str, count: int) -> list[str]:
        """/codes in chat: the payloads of the deep links it answers with."""
        answer = await ask(self.user, f"/codes {site} {count}", DEEP_LINK)
        return DEEP_LINK.findall(answer.get("text", ""))

    async def invite(self, role: str) -> str:
        answer = await ask(self.user, f"/invite {role}", DEEP_LINK)
        [token] = DEEP_LINK.findall(answer.get("text", ""))
        return str(token)


@dataclass
class Counsellor:
    user: SandboxUser
    groups: list[SandboxGroup] = field(default_factory=list)
    bound: set[str] = field(default_factory=set)
    answered: set[int] = field(default_factory=set)
    checked_in: set[int] = field(default_factory=set)  # check-in prompts acted on

    async def accept(self, token: str) -> None:
        await ask(self.user, f"/start {token}", re.compile("."))

    async def set_up_new_groups(self, sandbox: TelegramSandbox) -> int:
        """Create a Telegram group for each group the bot says is ready, and bind it."""
        codes = [
            code
            for message in self.user.messages
            for code in BIND_CODE.findall(message.get("text", ""))
            if code not in self.bound
        ]
        for code in dict.fromkeys(codes):
            chat = sandbox.add_group(f"Lotgenoten {len(self.groups) + 1}", self.user)
            chat.add_bot(admin=True)
            self.user.send_in_group(chat, f"/bind {code}")
            await sandbox.wait_for(_answered(chat), timeout=REPLY_TIMEOUT_S)
            self.groups.append(chat)
            self.bound.add(code)
        return len(codes)

    async def answer_questions(self) -> int:
        """Answer each new question from the inbox by replying to it."""
        new = [
            message
            for message in self.user.messages
            if TICKET.match(message.get("text") or "")
            and message["message_id"] not in self.answered
        ]
        for message in new:
            self.answered.add(message["message_id"])
            self.user.send(ANSWER, reply_to=message)
            while not any(
                RELAYED.search(m.get("text") or "")
                for m in await self.user.wait_for_messages(count=1, timeout=REPLY_TIMEOUT_S)
            ):
                pass
        return len(new)

    async def send_check_ins(self) -> int:
        """Send each new check-in the bot proposes, its draft as it stands (one tap)."""
        new = [
            message
            for message in self.user.messages
            if message["message_id"] not in self.checked_in
            and any(data.startswith(CHECK_IN) for data in _callbacks(message))
        ]
        for message in new:
            self.checked_in.add(message["message_id"])
            [send] = [data for data in _callbacks(message) if data.startswith(CHECK_IN)]
            self.user.press(message, send)
            while not any(
                RELAYED.search(m.get("text") or "")
                for m in await self.user.wait_for_messages(count=1, timeout=REPLY_TIMEOUT_S)
            ):
                pass
        return len(new)

    def group_of(self, person: SandboxUser) -> SandboxGroup | None:
        return next((g for g in self.groups if g.is_member(person)), None)


@dataclass
class Assistant:
    """Follows up the non-responders the bot draws: writes through the bot, then enters the
    answers the person gives (here: drawn at random, like the demo's own survey answers)."""

    user: SandboxUser
    rng: random.Random
    done: set[int] = field(default_factory=set)

    async def accept(self, token: str) -> None:
        await ask(self.user, f"/start {token}", re.compile("."))

    async def follow_up(self) -> int:
        """Each new call task: a hello relayed to the person, and (most reached) answers."""
        tasks = [
            (int(found.group(1)), message)
            for message in self.user.messages
            if (found := CALL_TASK.match(message.get("text") or ""))
            and int(found.group(1)) not in self.done
        ]
        for task, message in tasks:
            self.done.add(task)
            self.user.send(CALL_HELLO, reply_to=message)
            await self.user.wait_for_messages(count=1, timeout=REPLY_TIMEOUT_S)
            if self.rng.random() > REACHED:
                continue
            answers = [self._answer(c) for c in CALL_QUESTION.findall(message.get("text", ""))]
            await ask(self.user, f"/call {task} {' '.join(answers)}", CALL_DONE)
        return len(tasks)

    def _answer(self, question: str) -> str:
        values = CALL_OPTION.findall(question)
        if values:
            return str(self.rng.choice(values))
        found = CALL_RANGE.search(question)
        if found is None:
            return "-"
        return str(self.rng.randint(int(found.group(1)), int(found.group(2))))


def _callbacks(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


def _answered(chat: SandboxGroup) -> Callable[[], bool]:
    return lambda: len(chat.messages) >= 1
