"""The demo's staff: an admin who hands out links, a counsellor who sets up the peer groups."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox import SandboxGroup, SandboxUser, TelegramSandbox

BIND_CODE = re.compile(r"/bind (\w+)")
DEEP_LINK = re.compile(r"https://t\.me/\S+\?start=(\S+)")
REPLY_TIMEOUT_S = 30.0
TICKET = re.compile(r"^❓ (?:Vraag|Question) #\d+")
RELAYED = re.compile(r"#\d+ (?:is onderweg|is on its way)")
ANSWER = "Goede vraag! Laten we het er bij onze volgende afspraak over hebben."


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
    suggestions: set[int] = field(default_factory=set)  # digests whose suggestion was seen
    groups: list[SandboxGroup] = field(default_factory=list)
    bound: set[str] = field(default_factory=set)
    answered: set[int] = field(default_factory=set)

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

    def group_of(self, person: SandboxUser) -> SandboxGroup | None:
        return next((g for g in self.groups if g.is_member(person)), None)


def _answered(chat: SandboxGroup) -> Callable[[], bool]:
    return lambda: len(chat.messages) >= 1
