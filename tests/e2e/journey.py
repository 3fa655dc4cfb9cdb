"""Playing a participant through enrollment and intake, as a person would with buttons."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import date
from typing import Any

from bot.app import build_application, running
from bot.clock import FakeClock
from bot.db.engine import Database
from bot.handlers.context import LotgenootApplication
from bot.runtime import Runtime
from bot.sandbox import SandboxUser, TelegramSandbox
from bot.scheduler import scan_nudges
from bot.services.participants.enrollment import create_codes
from experiments.allocation import AllocationSequence
from experiments.protocol import Protocol, Track
from tests.e2e.conftest import runtime_for

SITE = "Utrecht"
BIRTH_YEAR = 2000


def offers(message: dict[str, Any]) -> list[str]:
    """Button data without the offer id that deposit, step and detail buttons carry."""
    return [re.sub(r"^((?:dep|steps|act):.*):\d+$", r"\1", data) for data in buttons(message)]


def button_for(message: dict[str, Any], offer: str) -> str:
    """The data of the button `offer` names (as `offers` lists it)."""
    [data] = [
        data for data, bare in zip(buttons(message), offers(message), strict=True) if bare == offer
    ]
    return data


def buttons(message: dict[str, Any]) -> list[str]:
    """The callback data of every inline button on a message."""
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def seed_for_first(arm: str, track: str, protocol: Protocol, on: date) -> str:
    """A seed whose allocation sequence gives `arm` to the first person of the stratum."""
    band = protocol.age_band_for(BIRTH_YEAR, on)
    assert band is not None
    stratum = protocol.stratum_key(Track(track), band, SITE)
    for n in range(1000):
        seed = f"test-seed-{n}"
        sequence = AllocationSequence(
            seed, stratum, protocol.arm_weights(), protocol.randomization.block_multiples
        )
        if sequence.arm_at(0) == arm:
            return seed
    raise AssertionError(f"no seed puts {arm} first")


@asynccontextmanager
async def bot_with_first_arm(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock, arm: str, track: str
) -> AsyncIterator[tuple[LotgenootApplication, Runtime]]:
    """A running bot whose first enrollee of (track, Utrecht, 26-35) lands in `arm`."""
    runtime = runtime_for(sandbox, database, clock)
    seed = seed_for_first(arm, track, runtime.trial.protocol, clock.now().date())
    runtime.trial = replace(runtime.trial, allocation_seed=seed)
    application = build_application(runtime)
    async with running(application):
        yield application, runtime


async def scan_and_deliver(runtime: Runtime) -> None:
    """Run the scheduler's nudge scans once and deliver what they queued."""
    await scan_nudges(runtime)
    assert runtime.sender is not None
    await runtime.sender.settle()


async def new_code(database: Database, clock: FakeClock) -> str:
    async with database.transaction() as session:
        [code] = await create_codes(session, SITE, 1, reusable=False, now=clock.now())
    return code


async def enroll(
    person: SandboxUser,
    code: str,
    *,
    track: str = "savings",
    commitment: str = "commit:1000",
    answer: Callable[[list[str]], str] = lambda options: options[2],
    language: str = "nl",
) -> list[dict[str, Any]]:
    """Consent, language, birth year, track, baseline, commitment; returns the last messages."""
    person.send(f"/start {code}")
    [consent] = await person.wait_for_messages(count=1)
    person.press(consent, buttons(consent)[0])
    *_, ask_language = await person.wait_for_messages(count=2)
    person.press(ask_language, f"lang:{language}")
    await person.wait_for_messages(count=1)
    person.send(str(BIRTH_YEAR))
    [ask_track] = await person.wait_for_messages(count=1)
    person.press(ask_track, f"track:{track}")
    while True:
        [question] = await person.wait_for_messages(count=1)
        options = buttons(question)
        if options[0].startswith("qm:"):  # multiple choice: "done" with nothing ticked
            person.press(question, next(o for o in options if o.startswith("q:")))
            continue
        if not options[0].startswith("q:"):
            break
        person.press(question, answer(options))
    person.press(question, commitment)
    return await person.wait_for_messages(count=1)


async def stop(person: SandboxUser) -> dict[str, Any]:
    """/stop and the tap that confirms it; the answer that messages are off."""
    person.send("/stop")
    [question] = await person.wait_for_messages(count=1)
    person.press(question, "stop:yes")
    [done] = await person.wait_for_messages(count=1)
    return done
