"""A study with a peer arm, at service level: people waiting in their pool, counsellors, groups
formed, bound and joined, and what the bot queued for each of them (read from the outbox).

People are written into the database as the intake leaves them (enrolling by taps is tested
elsewhere and slow); from there on everything goes through the services as the bot calls them,
by way of `tests.services.peer_groups.calls`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import FakeClock
from bot.db.base import Base
from bot.db.delivery import OutboxMessage, OutboxStatus
from bot.db.engine import Database
from bot.db.groups import GroupMember, PeerGroup
from bot.db.study import Event, IntakeStep, Participant, Role, Site, StaffMember
from bot.outbox.messages import CONTEXT_KEY
from bot.outbox.outcomes import Delivered
from bot.services.peer_groups.binding import LINK_KIND
from bot.services.runner import TurnRunner
from bot.services.trial import Trial
from experiments.protocol import Protocol, Schedule
from tests.groups.world import small_groups
from tests.services.conftest import SITE
from tests.services.peer_groups import calls

ADMIN = 1  # the operator the trial fixture's StaffDirectory names
BAND = "26-35"
_user_ids = itertools.count(7_000_001)
_chat_ids = itertools.count(-1_001_000_000_001, -1)
Row = TypeVar("Row", bound=Base)


@dataclass(frozen=True)
class World:
    """The bot's parts a peer-group service needs: the runner (database, clock, study)."""

    runner: TurnRunner
    clock: FakeClock

    @property
    def database(self) -> Database:
        return self.runner.database

    @property
    def trial(self) -> Trial:
        return self.runner.trial

    def with_groups(self, **settings: Any) -> World:
        """The same world on a protocol whose `[groups]` section has `settings` changed."""
        return self._on(small_groups(self.trial.protocol, **settings))

    def with_protocol(self, protocol: Protocol) -> World:
        """The same world on another protocol."""
        return self._on(protocol)

    def with_schedule(self, **settings: Any) -> World:
        """The same world on a protocol whose `[schedule]` section has `settings` changed."""
        protocol = self.trial.protocol
        schedule = Schedule(**{**protocol.schedule.model_dump(), **settings})
        return self._on(protocol.model_copy(update={"schedule": schedule}))

    def _on(self, protocol: Protocol) -> World:
        return replace(
            self, runner=replace(self.runner, trial=replace(self.trial, protocol=protocol))
        )


@dataclass(frozen=True)
class Peer:
    """A peer-arm participant: their row's id and their Telegram id."""

    participant_id: int
    user_id: int
    first_name: str


@dataclass(frozen=True)
class Counsellor:
    staff_id: int
    user_id: int


@dataclass(frozen=True)
class Group:
    """A formed group and who is in it."""

    id: int
    code: str
    leader: Counsellor
    members: list[Peer]
    chat_id: int = 0  # its Telegram chat, once bound


@dataclass(frozen=True)
class Sent:
    """One outbox row: a message (its text) or a call (its method and parameters)."""

    id: int
    chat_id: int | None
    kind: str
    method: str
    text: str
    params: dict[str, Any]
    participant_id: int | None
    not_before: datetime
    status: OutboxStatus


def _sent(row: OutboxMessage) -> Sent:
    params = {key: value for key, value in row.payload.items() if key != "text"}
    return Sent(
        row.id,
        row.chat_id,
        row.kind,
        row.method,
        str(row.payload.get("text", "")),
        params,
        row.participant_id,
        row.not_before,
        row.status,
    )


async def outbox(
    world: World, *, chat_id: int | None = None, kind: str | None = None, method: str | None = None
) -> list[Sent]:
    """What the bot queued, oldest first: to one chat, of one kind, or one method."""
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if chat_id is not None:
        query = query.where(OutboxMessage.chat_id == chat_id)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    if method is not None:
        query = query.where(OutboxMessage.method == method)
    async with world.database.snapshot() as session:
        return [_sent(row) for row in await session.scalars(query)]


async def replies(world: World, update_id: int) -> list[Sent]:
    """What the bot answered to one update, in the chat it came from."""
    async with world.database.snapshot() as session:
        found = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.intent_key.like(f"%:{update_id}:%"))
            .order_by(OutboxMessage.id)
        )
        return [_sent(row) for row in found]


async def rows(world: World, model: type[Row], *where: Any) -> list[Row]:
    """The rows of `model` (matching `where`) in the order they were written, readable after."""
    async with world.database.snapshot() as session:
        query = select(model).where(*where).order_by(*inspect(model).primary_key)
        found = list(await session.scalars(query))
        session.expunge_all()  # read after the snapshot's rollback, which would expire them
    return found


async def group_row(world: World, group_id: int) -> PeerGroup:
    [group] = await rows(world, PeerGroup, PeerGroup.id == group_id)
    return group


async def members_of(world: World, group_id: int) -> list[GroupMember]:
    return await rows(world, GroupMember, GroupMember.group_id == group_id)


async def events_of(world: World, kind: str) -> list[Event]:
    return await rows(world, Event, Event.kind == kind)


async def _site(session: AsyncSession, now: datetime) -> Site:
    site = await session.scalar(select(Site).where(Site.name == SITE))
    if site is None:
        site = Site(name=SITE, created_at=now)
        session.add(site)
        await session.flush()
    return site


async def peers(
    world: World,
    count: int,
    *,
    band: str = BAND,
    track: str = "savings",
    language: str = "nl",
) -> list[Peer]:
    """`count` people who finished the intake in the peer arm: allocated, and in their pool."""
    now = world.clock.now()
    made: list[Peer] = []
    async with world.database.transaction() as session:
        site = await _site(session, now)
        for _ in range(count):
            participant = Participant(
                telegram_user_id=next(_user_ids), site_id=site.id, language=language,
                consent_version="2026-01", consented_at=now, step=IntakeStep.DONE,
                birth_year=1995, age_band=band, track=track, commitment_cents=1000,
                arm="peer", allocated_at=now, period_start=now,
            )  # fmt: skip
            session.add(participant)
            await session.flush()
            assert await calls.enter_pool(session, participant, world.trial, now)
            assert participant.telegram_user_id is not None
            made.append(Peer(participant.id, participant.telegram_user_id, f"Lid {len(made)}"))
    return made


async def counsellor(world: World) -> Counsellor:
    """An active counsellor (who accepted their invite earlier)."""
    now = world.clock.now()
    async with world.database.transaction() as session:
        staff = StaffMember(
            telegram_user_id=next(_user_ids),
            role=Role.COUNSELLOR,
            joined_at=now,
            last_active_at=now,
        )
        session.add(staff)
        await session.flush()
        return Counsellor(staff.id, staff.telegram_user_id)


async def formed_group(
    world: World, size: int = 4, *, band: str = BAND, track: str = "savings"
) -> Group:
    """A counsellor and `size` people waiting, then a scan: one group, not yet bound."""
    leader = await counsellor(world)
    members = await peers(world, size, band=band, track=track)
    await calls.scan(world)
    [place] = await rows(
        world, GroupMember, GroupMember.participant_id == members[0].participant_id
    )
    group = await group_row(world, place.group_id)
    return Group(group.id, group.code, leader, members)


async def links_made(world: World) -> None:
    """Telegram made every join link the bot asked for: each call's follow-up runs."""
    calls_made = await outbox(world, kind=LINK_KIND, method="createChatInviteLink")
    await calls.calls_ended(
        world,
        [
            (call.id, Delivered(None, {"invite_link": f"https://t.me/+{call.params['name']}"}))
            for call in calls_made
            if call.status is OutboxStatus.PENDING
        ],
    )


async def bound_group(
    world: World, size: int = 4, *, band: str = BAND, track: str = "savings"
) -> Group:
    """A formed group its counsellor bound to a new chat; every member has their link."""
    group = await formed_group(world, size, band=band, track=track)
    chat_id = next(_chat_ids)
    await calls.bind(world, group.leader.user_id, chat_id, group.code)
    await links_made(world)
    return replace(group, chat_id=chat_id)


async def joined_group(
    world: World, size: int = 4, *, band: str = BAND, track: str = "savings"
) -> Group:
    """A bound group every member joined with their link (Telegram let them in)."""
    group = await bound_group(world, size, band=band, track=track)
    for member in group.members:
        await calls.member_changed(world, group.chat_id, member, "joined")
    return group


def new_chat() -> int:
    """A Telegram chat id no group has."""
    return next(_chat_ids)


def new_user() -> int:
    """A Telegram user id nobody in the study has."""
    return next(_user_ids)


def context_of(call: Sent) -> dict[str, Any]:
    """The follow-up data a call keeps beside its parameters."""
    context: dict[str, Any] = call.params.get(CONTEXT_KEY, {})
    return context
