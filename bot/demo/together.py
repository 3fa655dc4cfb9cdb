"""The group's opt-in ingredients in the demo: members who are invited to choose may ask for a
buddy or volunteer to host a week, a week's host may have its topic posted under their name,
and the counsellor sends most of the posts their weekly digest suggests.

Each choice is drawn from a generator of its own and made one person at a time in a fixed order
(in the evening, after the scans), so the rest of the demo's people behave as before and the
same seed pairs the same buddies.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.demo.people import buttons
from bot.runtime import Runtime
from bot.sandbox import SandboxUser, TelegramSandbox

if TYPE_CHECKING:
    from bot.demo.people import Person
    from bot.demo.staff import Counsellor

REPLY_S = 30.0
BUDDY_SHARE = 0.5  # of invited members who ask for a buddy
HOST_SHARE = 0.4  # … who volunteer to host a week
HOST_TAPS = 0.5  # of hosts who have the week's topic posted under their name
SUGGESTION_SENT = 0.7  # of digest suggestions the counsellor sends with a tap


async def choose(sandbox: TelegramSandbox, runtime: Runtime, people: Sequence[Person]) -> int:
    """Each person answers the offers they got since last evening; how many choices were made."""
    made = 0
    for person in people:
        offers, person.offers = person.offers, []
        if person.status != "enrolled":
            continue
        for offer in offers:
            made += await _answer(Chat(sandbox, runtime, person), offer)
    return made


@dataclass(frozen=True)
class Chat:
    """One person's private chat while they choose: a tap, and what the bot said back."""

    sandbox: TelegramSandbox
    runtime: Runtime
    person: Person

    async def press(self, message: dict[str, Any], data: str) -> list[dict[str, Any]]:
        """Tap `data`; once the tap is answered and its reply delivered, the new messages
        (anything else that arrived goes on to the person's inbox, read the next day)."""
        user = self.person.user
        await _answered(self.sandbox, user, user.press(message, data))
        assert self.runtime.sender is not None
        await self.runtime.sender.settle(within_s=REPLY_S)
        new = await user.wait_for_messages(count=0)
        self.person.inbox += new
        return new

    async def menu(self) -> dict[str, Any]:
        """The 👥 menu again, from the help's button."""
        user = self.person.user
        user.send("/help")
        while True:
            for message in await user.wait_for_messages(count=1, timeout=REPLY_S):
                if "do:together" in buttons(message):
                    return _with(await self.press(message, "do:together"), "tg:")
                self.person.inbox.append(message)


async def _answered(sandbox: TelegramSandbox, user: SandboxUser, query: dict[str, Any]) -> None:
    """Until the bot answered a tap (its reply, if any, is queued by then)."""
    await sandbox.wait_for(
        lambda: user.callback_answer(query) is not None, timeout=REPLY_S, what=query["data"]
    )


def _with(messages: list[dict[str, Any]], prefix: str) -> dict[str, Any]:
    """The message whose buttons start with `prefix` (the answer to a tap)."""
    return next(m for m in messages if any(d.startswith(prefix) for d in buttons(m)))


async def _answer(chat: Chat, offer: dict[str, Any]) -> int:
    person = chat.person
    rng = random.Random(f"together:{person.user.id}:{offer['message_id']}")
    post = next((data for data in buttons(offer) if data.startswith("tg:host_post")), None)
    if post is not None:
        if rng.random() >= HOST_TAPS:
            return 0
        await _named(chat, await chat.press(offer, post))
        return 1
    wants = [
        action
        for action, share in (("tg:buddy_on", BUDDY_SHARE), ("tg:host_on", HOST_SHARE))
        if rng.random() < share
    ]
    for number, action in enumerate(wants):
        menu = _with(await chat.press(offer, "tg:menu"), "tg:") if number == 0 else None
        await _named(chat, await chat.press(menu or await chat.menu(), action))
    return len(wants)


async def _named(chat: Chat, answer: list[dict[str, Any]]) -> None:
    """When the bot asks which name to show, the Telegram first name is confirmed by a tap."""
    question = next((m for m in answer if "tg:name_ok" in buttons(m)), None)
    if question is not None:
        await chat.press(question, "tg:name_ok")


async def send_suggestions(
    sandbox: TelegramSandbox, runtime: Runtime, counsellor: Counsellor
) -> int:
    """The counsellor taps "send" under most new digests; how many posts that made. The answer
    to a tap may be an edit rather than a message, so the tap's answer is what is waited for."""
    sent = 0
    for message in counsellor.user.messages:
        data = next((d for d in buttons(message) if d.startswith("sug:")), None)
        if data is None or message["message_id"] in counsellor.suggestions:
            continue
        counsellor.suggestions.add(message["message_id"])
        if random.Random(f"suggestion:{data}").random() >= SUGGESTION_SENT:
            continue
        await _answered(sandbox, counsellor.user, counsellor.user.press(message, data))
        sent += 1
    if sent:
        assert runtime.sender is not None
        await runtime.sender.settle(within_s=60)
    return sent
