"""Never silence: typos, voice notes, photos and stray text get an answer and change nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.study import Event
from bot.i18n import Language, text
from bot.sandbox import MEDIA_KINDS, TelegramSandbox
from tests.e2e.journey import bot_with_first_arm, enroll, new_code


async def _event_count(database: Database) -> int:
    async with database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Event)) or 0)


async def test_a_mistyped_command_gets_the_nearest_one(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "jobsearch"):
        joost = sandbox.add_user("Joost", language_code="en")
        await enroll(
            joost, await new_code(database, clock), track="jobsearch", commitment="commit:3"
        )
        joost.send("/aplied 2")
        [applied] = await joost.wait_for_messages(count=1)
        joost.send("/deposti")
        [deposit] = await joost.wait_for_messages(count=1)
        joost.send("/xyzzy")
        [nothing_near] = await joost.wait_for_messages(count=1)
    assert applied["text"] == text(Language.NL, "fallback.did_you_mean", command="/applied 2")
    # a jobseeker keeps no savings: the command nearest the slip is not offered, nor another
    assert deposit["text"] == text(Language.NL, "fallback.unknown_command")
    assert nothing_near["text"] == text(Language.NL, "fallback.unknown_command")
    assert await _event_count(database) == 0


async def test_every_kind_of_media_gets_i_can_only_read_text(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings"):
        sanne = sandbox.add_user("Sanne", language_code="en")
        await enroll(sanne, await new_code(database, clock))
        answers = []
        for kind in MEDIA_KINDS:
            sanne.send_media(kind)
            [answer] = await sanne.wait_for_messages(count=1)
            answers.append(answer["text"])
    assert all(a == text(Language.NL, "fallback.not_text") for a in answers), answers
    assert await _event_count(database) == 0


async def test_a_stranger_who_sends_a_photo_is_answered_in_telegrams_language(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings"):
        stranger = sandbox.add_user("Sam", language_code="en")
        stranger.send_media("photo", caption="my letter")
        [answer] = await stranger.wait_for_messages(count=1)
    assert answer["text"] == text(Language.EN, "fallback.not_text")


async def test_a_group_command_in_private_says_where_it_works(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings"):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        sanne.send("/rules")
        [answer] = await sanne.wait_for_messages(count=1)
    assert answer["text"] == text(Language.NL, "fallback.group_only", command="/rules")
