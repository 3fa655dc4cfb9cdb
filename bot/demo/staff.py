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

    def group_of(self, person: SandboxUser) -> SandboxGroup | None:
        return next((g for g in self.groups if g.is_member(person)), None)


def _answered(chat: SandboxGroup) -> Callable[[], bool]:
    return lambda: len(chat.messages) >= 1
