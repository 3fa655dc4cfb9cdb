"""Roles: admins from the settings, staff from one-time invites, refusals for everyone else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

from bot.app import build_application, running
from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.study import Role
from bot.i18n import Language, text
from bot.runtime import Runtime
from bot.sandbox import SandboxUser, TelegramSandbox
from bot.services.directory import create_invite
from bot.services.turns import StaffDirectory
from tests.e2e.conftest import runtime_for
from tests.e2e.journey import enroll
from tests.texts import expected, said

NOT_ALLOWED = text(Language.NL, "staff.not_allowed")


@asynccontextmanager
async def bot_with_admin(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock, admin: SandboxUser
) -> AsyncIterator[Runtime]:
    runtime = runtime_for(sandbox, database, clock)
    runtime.trial = replace(runtime.trial, staff=StaffDirectory(frozenset({admin.id})))
    async with running(build_application(runtime)):
        yield runtime


def _payload(link: str) -> str:
    return link.rsplit("start=", 1)[1]


async def test_admin_makes_enrollment_links_that_work(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    admin = sandbox.add_user("Anna", language_code="nl")
    async with bot_with_admin(sandbox, database, clock, admin):
        admin.send("/codes Utrecht 2")
        [links] = await admin.wait_for_messages(count=1)
        first, second = [line for line in links["text"].splitlines() if "t.me/" in line]
        saver = sandbox.add_user("Sanne", language_code="nl")
        [done] = await enroll(saver, _payload(first))
    assert first != second
    assert first.startswith(f"https://t.me/{sandbox.bot_user['username']}?start=")
    assert done["text"].startswith(expected("intake.done", explanation="").splitlines()[0]), (
        "the intake ran to its end"
    )


async def test_participant_cannot_use_admin_commands(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    admin = sandbox.add_user("Anna", language_code="nl")
    async with bot_with_admin(sandbox, database, clock, admin):
        someone = sandbox.add_user("Piet", language_code="nl")
        someone.send("/codes Utrecht 5")
        [refusal] = await someone.wait_for_messages(count=1)
        someone.send("/trial")
        [refusal_too] = await someone.wait_for_messages(count=1)
    assert refusal["text"] == refusal_too["text"] == NOT_ALLOWED


async def test_invite_makes_a_researcher_who_sees_counts_only(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    admin = sandbox.add_user("Anna", language_code="en")
    async with bot_with_admin(sandbox, database, clock, admin):
        admin.send("/codes Utrecht 1")
        [links] = await admin.wait_for_messages(count=1)
        saver = sandbox.add_user("Sanne", language_code="nl", username="sanne_spaart")
        await enroll(saver, _payload(links["text"].splitlines()[-1]))
        async with database.transaction() as session:
            token = await create_invite(session, Role.RESEARCHER, clock.now())
        researcher = sandbox.add_user("Rob", language_code="en")
        researcher.send(f"/start {token}")
        [welcome, language] = await researcher.wait_for_messages(count=2)
        researcher.send("/trial")
        [counts] = await researcher.wait_for_messages(count=1)
        stranger = sandbox.add_user("Eve", language_code="en")
        stranger.send(f"/start {token}")
        [reused] = await stranger.wait_for_messages(count=1)
    assert welcome["text"] == text(Language.EN, "staff.welcome_researcher")
    # with the name and language participants would see, accepted with the invite (SPEC §11.4)
    card = text(Language.EN, "staff.card.shown", name="Rob", spoken="English")
    assert language["text"] == card
    assert said(counts["text"], "researcher.trial", language=Language.EN, enrolled=1)
    assert "site=utrecht" in counts["text"].lower()
    assert said(
        counts["text"],
        "researcher.reach_site",
        language=Language.EN,
        within=True,
        site="Utrecht",
        codes=1,
        links=0,
        opens=1,
        shown=1,
        consented=1,
        declined=0,
        allocated=1,
    )
    assert "Sanne" not in counts["text"]
    assert str(saver.id) not in counts["text"]
    assert reused["text"] == text(Language.EN, "staff.invite_invalid")


async def test_admin_removes_a_counsellor_whose_commands_stop_working_at_once(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    admin = sandbox.add_user("Anna", language_code="en")
    async with bot_with_admin(sandbox, database, clock, admin):
        async with database.transaction() as session:
            token = await create_invite(session, Role.COUNSELLOR, clock.now())
        carla = sandbox.add_user("Carla", language_code="nl")
        carla.send(f"/start {token}")
        await carla.wait_for_messages(count=2)  # the welcome, and which language
        carla.send("/groups")
        [allowed] = await carla.wait_for_messages(count=1)
        admin.send(f"/staff_remove {carla.id} counsellor")
        [done] = await admin.wait_for_messages(count=1)
        carla.send("/groups")
        [refused] = await carla.wait_for_messages(count=1)
        admin.send("/staff_remove someone")
        [usage] = await admin.wait_for_messages(count=1)
    assert allowed["text"] != NOT_ALLOWED
    assert done["text"] == expected(
        "admin.staff_removed", language=Language.EN, id=carla.id, roles=Role.COUNSELLOR.value
    )
    assert refused["text"] == NOT_ALLOWED
    assert usage["text"] == text(Language.EN, "admin.staff_remove_usage")


async def test_counsellor_cannot_remove_staff(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    admin = sandbox.add_user("Anna", language_code="en")
    async with bot_with_admin(sandbox, database, clock, admin):
        async with database.transaction() as session:
            token = await create_invite(session, Role.COUNSELLOR, clock.now())
        carla = sandbox.add_user("Carla", language_code="nl")
        carla.send(f"/start {token}")
        await carla.wait_for_messages(count=2)  # the welcome, and which language
        carla.send(f"/staff_remove {admin.id}")
        [refused] = await carla.wait_for_messages(count=1)
    assert refused["text"] == NOT_ALLOWED
