"""Setting the scene for group tests: peer participants, counsellors, a running bot, bound groups.

Participants are written straight into the database (enrolling 25 people by buttons is slow);
everything that happens in Telegram (binding, joining, talking) goes through the sandbox.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import build_application, running
from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.groups import GroupMember, MemberStatus, PeerGroup
from bot.db.study import IntakeStep, Participant, Role, Site, StaffMember
from bot.i18n import Language, text
from bot.runtime import Runtime
from bot.sandbox import SandboxGroup, SandboxUser, TelegramSandbox
from bot.scheduler import scan_groups
from bot.services.directory import create_invite
from bot.services.peer_groups.membership import WELCOME_BURST
from bot.services.peer_groups.pools import enter_pool
from bot.services.turns import StaffDirectory
from experiments.protocol import Component, Groups, Protocol
from tests.conftest import ENGINES
from tests.e2e.conftest import runtime_for

BAND = "26-35"
# Most sandbox tests exercise Telegram behaviour the same on both engines; the ones whose SQL
# differs per engine (locking, aggregates, JSON, upserts) run on PostgreSQL as well.
SQLITE_ONLY = pytest.mark.parametrize("database_url", [ENGINES[0]], indirect=True)
LINK = re.compile(r"https://t\.me/\+\S+")


def small_groups(protocol: Protocol, **changes: Any) -> Protocol:
    """The shipped protocol with groups of 3 to 5, so a test stays under 20 group posts a minute."""
    groups = Groups(**{**protocol.groups.model_dump(), "min_size": 3, "max_size": 5, **changes})
    return protocol.model_copy(update={"groups": groups})


@asynccontextmanager
async def group_bot(
    sandbox: TelegramSandbox,
    database: Database,
    clock: FakeClock,
    *,
    small: bool = True,
    admins: Sequence[SandboxUser] = (),
    components: Sequence[str] = (),
    group_per_minute: int | None = None,
    **group_settings: Any,
) -> AsyncIterator[Runtime]:
    """A running bot on the shipped protocol (groups of 3 to 5 unless `small` is False), its
    peer arm with `components` added; `group_per_minute` paces the sender's group posts."""
    runtime = (
        runtime_for(sandbox, database, clock)
        if group_per_minute is None
        else runtime_for(sandbox, database, clock, group_per_minute=group_per_minute)
    )
    protocol = runtime.trial.protocol
    if small or group_settings:
        protocol = small_groups(protocol, **group_settings)
    if components:
        arms = tuple(
            arm.model_copy(update={"components": (*arm.components, *map(Component, components))})
            if arm.name == "peer"
            else arm
            for arm in protocol.arms
        )
        protocol = protocol.model_copy(update={"arms": arms})
    staff = StaffDirectory(frozenset(a.id for a in admins))
    runtime.trial = replace(runtime.trial, protocol=protocol, staff=staff)
    async with running(build_application(runtime)):
        yield runtime


async def peers(
    sandbox: TelegramSandbox,
    database: Database,
    clock: FakeClock,
    runtime: Runtime,
    count: int,
    *,
    track: str = "savings",
    band: str = BAND,
    language: str = "nl",
    names: Sequence[str] = (),
) -> list[SandboxUser]:
    """`count` peer-arm participants who finished their intake and wait in the pool (first
    names from `names`, else "Deelnemer n")."""
    people = [
        sandbox.add_user(names[n] if n < len(names) else f"Deelnemer {n}", language_code=language)
        for n in range(count)
    ]
    async with database.transaction() as session:
        site = await session.scalar(select(Site).where(Site.name == "Utrecht"))
        if site is None:
            site = Site(name="Utrecht", created_at=clock.now())
            session.add(site)
            await session.flush()
        for person in people:
            person.record.started = True  # they enrolled earlier, so they wrote to the bot
            participant = Participant(
                telegram_user_id=person.id,
                site_id=site.id,
                language=language,
                consent_version="2026-01",
                consented_at=clock.now(),
                step=IntakeStep.DONE,
                birth_year=1995,
                age_band=band,
                track=track,
                commitment_cents=1000,
                arm="peer",
                allocated_at=clock.now(),
                period_start=clock.now(),
            )
            session.add(participant)
            await session.flush()
            assert await enter_pool(session, participant, runtime.trial, clock.now())
    await settle(runtime)
    for person in people:
        await person.wait_for_messages(count=1)  # "you are waiting for a group", read
    return people


async def counsellor(
    sandbox: TelegramSandbox,
    database: Database,
    clock: FakeClock,
    name: str = "Carla",
    *,
    invite: bool = False,
    named: bool = False,
) -> SandboxUser:
    """A counsellor: through a one-time invite link, or (quicker) written into the database
    (`named`: as if they accepted their Telegram name and Dutch with the invite)."""
    person = sandbox.add_user(name, language_code="nl")
    async with database.transaction() as session:
        if invite:
            token = await create_invite(session, Role.COUNSELLOR, clock.now())
        else:
            person.record.started = True  # they opened their invite link earlier
            session.add(
                StaffMember(
                    telegram_user_id=person.id,
                    role=Role.COUNSELLOR,
                    joined_at=clock.now(),
                    last_active_at=clock.now(),
                    display_name=name if named else None,
                    language="nl" if named else None,
                )
            )
    if invite:
        person.send(f"/start {token}")
        await person.wait_for_messages(count=2)  # the welcome, and which language they want
    return person


async def scan(runtime: Runtime) -> None:
    """One scheduler tick of the group scan, and everything it queued delivered."""
    await scan_groups(runtime)
    assert runtime.sender is not None
    await runtime.sender.settle()


async def settle(runtime: Runtime) -> None:
    """Every update the bot took is handled and every message it queued is delivered."""
    assert runtime.sender is not None
    assert runtime.inbound is not None
    await runtime.sender.settle()
    await runtime.inbound.settled()
    await runtime.sender.settle()


def bind_code(message: dict[str, Any]) -> str:
    """The code in the counsellor's "your group is ready" message."""
    found = re.search(r"/bind (\w+)", message["text"])
    assert found is not None, message["text"]
    return found.group(1)


async def bind(
    sandbox: TelegramSandbox, leader: SandboxUser, code: str, **rights: bool
) -> SandboxGroup:
    """The counsellor creates a Telegram group, makes the bot admin and sends /bind."""
    chat = sandbox.add_group("Spaargroep", leader)
    chat.add_bot(admin=True, **rights)
    leader.send_in_group(chat, f"/bind {code}")
    await sandbox.wait_for(lambda: len(chat.messages) >= 1, what="the bot's answer to /bind")
    return chat


def link_of(person: SandboxUser) -> str:
    """The personal join link the bot sent this person."""
    for message in reversed(person.messages):
        found = LINK.search(message.get("text", ""))
        if found:
            return found.group(0)
    raise AssertionError(f"{person} got no join link")


async def join(
    sandbox: TelegramSandbox, chat: SandboxGroup, people: Sequence[SandboxUser], database: Database
) -> None:
    """Each person asks to join with their own link; wait until they are in, and until the bot
    has recorded them as joined (a scan before that would still see them as not yet come)."""
    before = await _joined_count(database)
    for person in people:
        person.request_join(link_of(person))
    await sandbox.wait_for(
        lambda: all(chat.is_member(p) for p in people), what="join requests approved"
    )
    await joined(database, before + len(people))


async def joined(database: Database, count: int) -> None:
    """Wait until the bot has recorded `count` members as joined (it handles the joins as
    Telegram's updates arrive, after the sandbox shows them in)."""
    async with asyncio.timeout(5):
        while True:
            if await _joined_count(database) >= count:
                return
            await asyncio.sleep(0.01)  # the bot is still handling the join updates


async def _joined_count(database: Database) -> int:
    async with database.transaction() as session:
        found = await session.scalar(
            select(func.count()).where(GroupMember.status == MemberStatus.JOINED)
        )
    return found or 0


async def welcomed(
    runtime: Runtime, clock: FakeClock, chat: SandboxGroup, members: int
) -> dict[str, Any]:
    """After a burst of joins: once the bot recorded them, the one welcome goes out."""
    await joined(runtime.database, members)
    before = len(chat.messages)
    clock.advance(WELCOME_BURST)
    await settle(runtime)
    assert len(chat.messages) > before, "no welcome after the burst of joins"
    return chat.messages[-1]


async def ready_group(
    sandbox: TelegramSandbox,
    database: Database,
    clock: FakeClock,
    runtime: Runtime,
    size: int = 4,
    track: str = "savings",
    names: Sequence[str] = (),
    named_leader: bool = False,
) -> tuple[SandboxUser, SandboxGroup, list[SandboxUser]]:
    """A counsellor, a bound group and `size` members who joined it."""
    leader = await counsellor(sandbox, database, clock, named=named_leader)
    members = await peers(sandbox, database, clock, runtime, size, track=track, names=names)
    await scan(runtime)
    [ready] = await leader.wait_for_messages(count=1)
    chat = await bind(sandbox, leader, bind_code(ready))
    await settle(runtime)
    for member in members:
        await member.wait_for_messages(count=1)  # the join link, read before joining
    await join(sandbox, chat, members, database)
    await welcomed(runtime, clock, chat, len(members))
    return leader, chat, members


async def groups_in(database: Database) -> list[tuple[PeerGroup, list[GroupMember]]]:
    async with database.transaction() as session:
        groups = list(await session.scalars(select(PeerGroup).order_by(PeerGroup.id)))
        return [
            (
                g,
                list(
                    await session.scalars(select(GroupMember).where(GroupMember.group_id == g.id))
                ),
            )
            for g in groups
        ]


def texts(messages: Sequence[dict[str, Any]]) -> list[str]:
    return [m.get("text", "") for m in messages]


CHECKIN_HEADS = ("plan_prompt", "plans_closed", "review_prompt", "reviews_closed")


def besides_checkin(messages: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The group's messages other than the weekly check-in's (its prompts and goal), for tests
    of the other weekly posts."""
    heads = tuple(text(Language.NL, f"checkin.{key}") for key in CHECKIN_HEADS)
    return [m for m in messages if not (m.get("text") or "").startswith((*heads, "🎯"))]


WEEK = timedelta(days=7)
