"""/help and errors follow the language a participant chose; staff get their own /help."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.study import Role
from bot.handlers.context import LotgenootContext
from bot.i18n import Language, text
from bot.sandbox import TelegramSandbox
from bot.services.directory import create_invite
from tests.e2e.journey import bot_with_first_arm, enroll, new_code
from tests.e2e.test_staff import bot_with_admin
from tests.texts import said


async def test_help_follows_the_chosen_language_not_telegrams(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings"):
        sanne = sandbox.add_user("Sanne", language_code="en")  # her phone is in English
        await enroll(sanne, await new_code(database, clock), language="nl")
        sanne.send("/help")
        [answer] = await sanne.wait_for_messages(count=1)
    assert said(answer["text"], "help.participant", language=Language.NL)


async def test_an_error_apologises_in_the_chosen_language(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async def broken(update: Update, context: LotgenootContext) -> None:
        raise RuntimeError("a bug")

    async with bot_with_first_arm(sandbox, database, clock, "text", "savings") as (app, _):
        app.add_handler(CommandHandler("broken", broken), group=-1)
        sam = sandbox.add_user("Sam", language_code="nl")  # his phone is in Dutch
        await enroll(sam, await new_code(database, clock), language="en")
        sam.send("/broken")
        [answer] = await sam.wait_for_messages(count=1)
    assert answer["text"] == text(Language.EN, "error.generic")


async def test_staff_get_the_commands_of_their_roles_in_their_language(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    admin = sandbox.add_user("Anna", language_code="en")
    counsellor = sandbox.add_user("Carla", language_code="nl")
    researcher = sandbox.add_user("Rob", language_code="en")
    async with database.transaction() as session:
        invites = {
            role: await create_invite(session, role, clock.now())
            for role in (Role.COUNSELLOR, Role.RESEARCHER)
        }
    async with bot_with_admin(sandbox, database, clock, admin):
        for person, role in ((counsellor, Role.COUNSELLOR), (researcher, Role.RESEARCHER)):
            person.send(f"/start {invites[role]}")
            await person.wait_for_messages(count=2)  # the welcome, and which language
        helps = {}
        for person in (admin, counsellor, researcher):
            person.send("/help")
            [helps[person.first_name]] = await person.wait_for_messages(count=1)
    assert helps["Carla"]["text"] == text(Language.NL, "help.counsellor")
    assert helps["Rob"]["text"] == text(Language.EN, "help.researcher")
    assert helps["Anna"]["text"].split("\n\n") == [
        text(Language.EN, key)
        for key in ("help.counsellor", "help.researcher", "help.assistant", "help.admin")
    ]
    assert "/deposit" not in helps["Anna"]["text"]
