"""Enrollment codes and staff invites: used once even under a race, expiring, revocable; staff
whose rights are taken away lose them at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import func, select, text

from bot.clock import FakeClock
from bot.db.delivery import OutboxMessage
from bot.db.engine import Database
from bot.db.study import EnrollmentCode, Participant, Role, StaffMember
from bot.i18n import Language
from bot.i18n import text as catalogue
from bot.paths import shipped_config
from bot.services import directory
from bot.services.participants import enrollment
from bot.services.trial import Trial
from bot.services.turns import Incoming, StaffDirectory, Turn, take_turn
from experiments.protocol import load_protocol

TRIAL = Trial(load_protocol(shipped_config("study.toml")), "codes-seed", "codes-pseudonym-key")
INVALID = catalogue(Language.NL, "enroll.invalid_code")


def person(user_id: int, update_id: int) -> Incoming:
    return Incoming(user_id=user_id, first_name="Iemand", language_code="nl", update_id=update_id)


async def make_code(
    database: Database, clock: FakeClock, *, expires_in: timedelta | None = None
) -> str:
    async with database.transaction() as session:
        [code] = await enrollment.create_codes(
            session, "Utrecht", 1, reusable=False, now=clock.now(), expires_in=expires_in
        )
    return code


async def turn_in(
    database: Database,
    clock: FakeClock,
    incoming: Incoming,
    action: Callable[[Turn], Awaitable[None]],
) -> None:
    async with database.transaction() as session:
        await take_turn(session, clock.now(), incoming, action)


async def replies_to(database: Database, update_id: int) -> list[str]:
    async with database.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.intent_key.like(f"reply:{update_id}:%"))
            .order_by(OutboxMessage.id)
        )
        return [row.payload.get("text", "") for row in rows]


async def participants(database: Database) -> int:
    async with database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Participant)) or 0)


async def someone_waits_for_a_lock(database: Database) -> bool:
    """Whether another PostgreSQL backend of this database waits for a lock (a row lock here)."""
    async with database.engine.connect() as connection:
        waiting = await connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
        )
    return bool(waiting)


async def until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    for _ in range(2000):
        if await condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"timed out waiting for {what}")


async def test_two_people_consenting_with_one_single_use_code_at_once_only_one_gets_in(
    database: Database, clock: FakeClock
) -> None:
    """Two processes (two engines, two transactions) race for one code: the second reads the
    code while the first has used it but not yet committed."""
    code = await make_code(database, clock)
    other_process = Database(database.url)
    try:

        def consent(turn: Turn) -> Awaitable[None]:
            return enrollment.answer_consent(turn, code, True, TRIAL)

        async with database.transaction() as first:
            await take_turn(first, clock.now(), person(1001, 1), consent)
            second = asyncio.create_task(turn_in(other_process, clock, person(1002, 2), consent))
            if database.dialect == "postgresql":
                # the second has read the code (as unused) and now waits for the first's row
                await until(lambda: someone_waits_for_a_lock(database), "the second to wait")
            else:
                # SQLite: BEGIN IMMEDIATE makes the second wait for the first's write lock
                await asyncio.sleep(0)
            assert not second.done()
        await second
    finally:
        await other_process.dispose()
    assert await participants(database) == 1
    assert await replies_to(database, 2) == [INVALID]
    async with database.transaction() as session:
        used = await session.get(EnrollmentCode, code)
    assert used is not None
    assert used.uses == 1


async def test_expired_code_gets_the_invalid_code_answer_and_stores_nothing(
    database: Database, clock: FakeClock
) -> None:
    code = await make_code(database, clock, expires_in=timedelta(days=30))
    clock.advance(timedelta(days=30))
    await turn_in(
        database, clock, person(1001, 1), lambda turn: enrollment.start(turn, TRIAL, code)
    )
    await turn_in(
        database,
        clock,
        person(1001, 2),
        lambda turn: enrollment.answer_consent(turn, code, True, TRIAL),
    )
    assert await replies_to(database, 1) == [INVALID]
    assert await replies_to(database, 2) == [INVALID]
    assert await participants(database) == 0


async def test_code_that_has_not_expired_yet_works(database: Database, clock: FakeClock) -> None:
    code = await make_code(database, clock, expires_in=timedelta(days=30))
    clock.advance(timedelta(days=29))
    await turn_in(
        database,
        clock,
        person(1001, 1),
        lambda turn: enrollment.answer_consent(turn, code, True, TRIAL),
    )
    assert await participants(database) == 1


async def test_revoked_code_no_longer_works(database: Database, clock: FakeClock) -> None:
    code = await make_code(database, clock)
    async with database.transaction() as session:
        assert await enrollment.revoke_codes(session, [code, "nonexistent"], clock.now()) == [
            "nonexistent"
        ]
    await turn_in(
        database,
        clock,
        person(1001, 1),
        lambda turn: enrollment.answer_consent(turn, code, True, TRIAL),
    )
    assert await replies_to(database, 1) == [INVALID]
    assert await participants(database) == 0


async def invite(database: Database, clock: FakeClock, **options: timedelta | None) -> str:
    async with database.transaction() as session:
        return await directory.create_invite(session, Role.COUNSELLOR, clock.now(), **options)


async def roles(database: Database, telegram_user_id: int) -> set[Role]:
    async with database.transaction() as session:
        return set(await StaffDirectory().roles_of(session, telegram_user_id))


async def test_staff_invite_expires_after_seven_days_by_default(
    database: Database, clock: FakeClock
) -> None:
    token = await invite(database, clock)
    clock.advance(timedelta(days=7))
    await turn_in(
        database, clock, person(2001, 1), lambda turn: directory.accept_invite(turn, token)
    )
    assert await replies_to(database, 1) == [catalogue(Language.NL, "staff.invite_invalid")]
    assert await roles(database, 2001) == set()


async def test_staff_invite_works_within_its_lifetime_and_only_once(
    database: Database, clock: FakeClock
) -> None:
    token = await invite(database, clock, expires_in=timedelta(days=2))
    clock.advance(timedelta(days=1))
    await turn_in(
        database, clock, person(2001, 1), lambda turn: directory.accept_invite(turn, token)
    )
    await turn_in(
        database, clock, person(2002, 2), lambda turn: directory.accept_invite(turn, token)
    )
    assert await roles(database, 2001) == {Role.COUNSELLOR}
    assert await roles(database, 2002) == set()


async def test_revoked_staff_invite_grants_nothing(database: Database, clock: FakeClock) -> None:
    token = await invite(database, clock)
    async with database.transaction() as session:
        assert await directory.revoke_invites(session, [token], clock.now()) == []
    await turn_in(
        database, clock, person(2001, 1), lambda turn: directory.accept_invite(turn, token)
    )
    assert await roles(database, 2001) == set()


async def test_two_people_opening_one_staff_invite_at_once_only_one_gets_the_role(
    database: Database, clock: FakeClock
) -> None:
    token = await invite(database, clock)
    other_process = Database(database.url)
    try:
        async with database.transaction() as first:
            await take_turn(
                first,
                clock.now(),
                person(2001, 1),
                lambda turn: directory.accept_invite(turn, token),
            )
            second = asyncio.create_task(
                turn_in(
                    other_process,
                    clock,
                    person(2002, 2),
                    lambda turn: directory.accept_invite(turn, token),
                )
            )
            if database.dialect == "postgresql":
                await until(lambda: someone_waits_for_a_lock(database), "the second to wait")
            else:
                await asyncio.sleep(0)
            assert not second.done()
        await second
    finally:
        await other_process.dispose()
    assert await roles(database, 2001) == {Role.COUNSELLOR}
    assert await roles(database, 2002) == set()


async def test_removed_staff_member_loses_the_role_at_once(
    database: Database, clock: FakeClock
) -> None:
    async with database.transaction() as session:
        for role in (Role.COUNSELLOR, Role.RESEARCHER):
            session.add(
                StaffMember(
                    telegram_user_id=3001,
                    role=role,
                    joined_at=clock.now(),
                    last_active_at=clock.now(),
                )
            )
    async with database.transaction() as session:
        assert await directory.remove_staff(session, 3001, Role.COUNSELLOR) == [Role.COUNSELLOR]
    assert await roles(database, 3001) == {Role.RESEARCHER}
    async with database.transaction() as session:
        assert await directory.remove_staff(session, 3001) == [Role.RESEARCHER]
        assert await directory.remove_staff(session, 3001) == []
    assert await roles(database, 3001) == set()
