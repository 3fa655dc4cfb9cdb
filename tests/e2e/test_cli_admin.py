"""`lotgenoot codes create --expires`, `codes revoke`, `invite --expires`, `invites revoke` and
`staff remove`, run as commands against a real database on both engines."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from bot.cli.main import app
from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.groups import GroupStatus, PeerGroup
from bot.db.study import EnrollmentCode, Invite, Role, StaffMember
from bot.i18n import Language, text
from bot.services.turns import StaffDirectory
from tests.conftest import ENGINES

# the commands' own queries, on the engine a deployment chooses
pytestmark = pytest.mark.parametrize("database_url", ENGINES, indirect=True)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("LOTGENOOT_") and not name.startswith("LOTGENOOT_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


async def lotgenoot(database: Database, *args: str) -> Result:
    env = {"LOTGENOOT_DATABASE_URL": database.url}
    return await asyncio.to_thread(CliRunner().invoke, app, list(args), env=env)


def payloads(result: Result) -> list[str]:
    return [line.rsplit("start=", 1)[1] for line in result.stdout.split()]


async def test_codes_created_with_expires_stop_working_after_that_time(
    database: Database,
) -> None:
    before = datetime.now(UTC)
    result = await lotgenoot(
        database, "codes", "create", "--site", "Gouda", "--count", "2", "--expires", "30d",
        "--bot", "lotgenoot_bot",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    async with database.transaction() as session:
        codes = [await session.get(EnrollmentCode, code) for code in payloads(result)]
    for code in codes:
        assert code is not None
        assert code.expires_at is not None
        assert (
            before + timedelta(days=30) <= code.expires_at <= datetime.now(UTC) + timedelta(days=30)
        )


async def test_bad_expiry_is_refused_with_a_usage_line(database: Database) -> None:
    result = await lotgenoot(
        database, "codes", "create", "--site", "Gouda", "--expires", "a month", "--bot", "b"
    )
    assert result.exit_code == 2
    assert "is not a duration: use e.g. 30d" in result.output
    async with database.transaction() as session:
        assert list(await session.scalars(select(EnrollmentCode))) == []


async def test_codes_revoke_stops_the_codes_given_as_codes_or_links(database: Database) -> None:
    made = await lotgenoot(
        database, "codes", "create", "--site", "Gouda", "--count", "3", "--bot", "lotgenoot_bot"
    )
    links = made.stdout.split()
    first, second, third = payloads(made)
    result = await lotgenoot(database, "codes", "revoke", first, links[1], "nonexistent")
    assert result.exit_code == 1
    assert "no such code: nonexistent" in result.stderr
    assert result.stdout.strip() == "revoked 2 codes"
    async with database.transaction() as session:
        revoked = {
            code.code: code.revoked_at is not None
            for code in await session.scalars(select(EnrollmentCode))
        }
    assert revoked == {first: True, second: True, third: False}


async def test_invite_expires_after_seven_days_unless_told_otherwise(database: Database) -> None:
    default = await lotgenoot(database, "invite", "counsellor", "--bot", "lotgenoot_bot")
    never = await lotgenoot(
        database, "invite", "admin", "--expires", "never", "--bot", "lotgenoot_bot"
    )
    assert default.exit_code == never.exit_code == 0, default.output + never.output
    async with database.transaction() as session:
        seven = await session.get(Invite, payloads(default)[0])
        lasting = await session.get(Invite, payloads(never)[0])
    assert seven is not None
    assert lasting is not None
    assert seven.expires_at is not None
    assert seven.expires_at - seven.created_at == timedelta(days=7)
    assert lasting.expires_at is None


async def test_invites_revoke_stops_an_unused_invite(database: Database) -> None:
    made = await lotgenoot(database, "invite", "researcher", "--bot", "lotgenoot_bot")
    [token] = payloads(made)
    result = await lotgenoot(database, "invites", "revoke", token)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "revoked 1 invite"
    async with database.transaction() as session:
        invite = await session.get(Invite, token)
    assert invite is not None
    assert invite.revoked_at is not None


async def test_staff_remove_ends_the_rights_at_once(database: Database, clock: FakeClock) -> None:
    async with database.transaction() as session:
        for role in (Role.COUNSELLOR, Role.RESEARCHER):
            session.add(
                StaffMember(
                    telegram_user_id=4242,
                    role=role,
                    joined_at=clock.now(),
                    last_active_at=clock.now(),
                )
            )
    one = await lotgenoot(database, "staff", "remove", "4242", "--role", "counsellor")
    assert one.exit_code == 0, one.output
    assert one.stdout.strip() == "removed 4242 as counsellor"
    async with database.transaction() as session:
        assert await StaffDirectory().roles_of(session, 4242) == {Role.RESEARCHER}
    rest = await lotgenoot(database, "staff", "remove", "4242")
    again = await lotgenoot(database, "staff", "remove", "4242")
    assert rest.stdout.strip() == "removed 4242 as researcher"
    assert again.exit_code == 1
    assert "holds no such staff role" in again.stderr
    async with database.transaction() as session:
        assert await StaffDirectory().roles_of(session, 4242) == set()


async def test_staff_remove_without_telegram_says_which_groups_the_counsellor_may_still_own(
    database: Database, clock: FakeClock
) -> None:
    async with database.transaction() as session:
        leader = StaffMember(
            telegram_user_id=4343,
            role=Role.COUNSELLOR,
            joined_at=clock.now(),
            last_active_at=clock.now(),
        )
        session.add(leader)
        await session.flush()
        group = PeerGroup(
            code="abc123", arm="peer", track="savings", age_band="26-35", language="nl",
            formed_size=4, status=GroupStatus.ACTIVE, formed_at=clock.now(),
            counsellor_id=leader.id, bound_by_id=leader.id, telegram_chat_id=-1001234,
            bound_at=clock.now(),
        )  # fmt: skip
        session.add(group)
        await session.flush()
        group_id = group.id
    result = await lotgenoot(database, "staff", "remove", "4343")
    assert result.exit_code == 0, result.output
    who = text(Language.EN, "handover.counsellor", id=4343)
    unknown = text(
        Language.EN, "handover.unknown", group=group_id, who=who,
        why="LOTGENOOT_BOT_TOKEN is not set here", steps=text(Language.EN, "handover.steps"),
    )  # fmt: skip
    assert unknown in result.stdout
