"""What is stored about people: nothing without consent, no identity after /delete."""

from __future__ import annotations

import json

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.i18n import Language
from bot.i18n import text as catalogue_text
from bot.runtime import Runtime
from bot.sandbox import SandboxUser, TelegramSandbox
from bot.services.participants.money import format_amount
from tests.e2e.journey import bot_with_first_arm, buttons, enroll, new_code


def _all_rows(connection: Connection) -> dict[str, list[tuple[object, ...]]]:
    tables = inspect(connection).get_table_names()
    return {t: list(connection.execute(text(f'SELECT * FROM "{t}"'))) for t in tables}


async def _dump(database: Database) -> dict[str, list[tuple[object, ...]]]:
    async with database.engine.connect() as connection:
        return await connection.run_sync(_all_rows)


def _traces_of(person: SandboxUser, dump: dict[str, list[tuple[object, ...]]]) -> list[str]:
    """Where the person's Telegram id, name or username still appears."""
    needles = {str(person.id), person.first_name, person.username or "\0"}
    found = []
    for table, rows in dump.items():
        for row in rows:
            for value in row:
                rendered = json.dumps(value, default=str) if isinstance(value, dict) else str(value)
                if any(needle in rendered for needle in needles):
                    found.append(f"{table}: {row}")
    return found


async def _settle(runtime: Runtime) -> None:
    assert runtime.sender is not None
    await runtime.sender.settle()


async def test_declining_consent_stores_only_a_refusal_count(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings") as (_, runtime):
        weigert = sandbox.add_user("Weigert", language_code="nl", username="weigert_nl")
        weigert.send(f"/start {await new_code(database, clock)}")
        [consent] = await weigert.wait_for_messages(count=1)
        weigert.press(consent, next(b for b in buttons(consent) if b.startswith("consent:no")))
        [answer] = await weigert.wait_for_messages(count=1)
        await _settle(runtime)
    dump = await _dump(database)
    assert answer["text"] == catalogue_text(Language.NL, "consent.declined")
    assert _traces_of(weigert, dump) == []
    assert dump["participants"] == []
    assert [row[1] for row in dump["consent_refusals"]] == [1]


async def test_start_without_a_valid_code_stores_nothing(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings") as (_, runtime):
        gast = sandbox.add_user("Gast", language_code="nl", username="gast_nl")
        gast.send("/start not-a-code")
        [answer] = await gast.wait_for_messages(count=1)
        await _settle(runtime)
    assert answer["text"] == catalogue_text(Language.NL, "enroll.invalid_code")
    dump = await _dump(database)
    assert _traces_of(gast, dump) == []
    assert dump["participants"] == []


async def test_after_delete_no_telegram_id_name_or_username_remains(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings") as (_, runtime):
        sanne = sandbox.add_user("Sanne", language_code="nl", username="sanne_spaart")
        await enroll(sanne, await new_code(database, clock))
        sanne.send("/deposit 12,50")
        await sanne.wait_for_messages(count=1)
        menu_before = sanne.reply_keyboard
        commands_before = sandbox.commands.get((f"chat:{sanne.chat_id}", ""))
        sanne.send("/delete")
        [confirm] = await sanne.wait_for_messages(count=1)
        sanne.press(confirm, "del:yes")
        [goodbye] = await sanne.wait_for_messages(count=1)
        await _settle(runtime)
    assert goodbye["text"] == catalogue_text(Language.NL, "delete.done_kept")
    assert menu_before is not None, "a participant has the menu of big buttons on screen"
    assert sanne.reply_keyboard is None, "the goodbye takes the menu off their screen"
    assert commands_before, "a participant's chat has a command list of its own"
    assert (f"chat:{sanne.chat_id}", "") not in sandbox.commands, "and it is gone"
    dump = await _dump(database)
    assert _traces_of(sanne, dump) == []
    assert len(dump["events"]) == 1, "the consent allowed keeping the pseudonymized record"


async def test_delete_leaves_no_trace_when_the_person_blocks_the_bot_before_the_goodbye(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    """The goodbye then fails (403), which cancels what else was queued for the chat: cancelled
    rows must forget the chat as sent ones do."""
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings") as (_, runtime):
        sanne = sandbox.add_user("Sanne", language_code="nl", username="sanne_spaart")
        await enroll(sanne, await new_code(database, clock))
        sanne.send("/delete")
        [confirm] = await sanne.wait_for_messages(count=1)
        sanne.press(confirm, "del:yes")
        sanne.block()  # before the bot has even read the press
        await sandbox.wait_for(
            lambda: any(c.http_status == 403 for c in sandbox.calls), 5, "the goodbye refused"
        )
        await _settle(runtime)
    dump = await _dump(database)
    assert _traces_of(sanne, dump) == []


async def test_mydata_sends_everything_stored_including_the_arm(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "control", "savings"):
        sam = sandbox.add_user("Sam", language_code="en")
        await enroll(sam, await new_code(database, clock))
        sam.send("/deposit 3")
        await sam.wait_for_messages(count=1)
        sam.send("/mydata")
        [summary, document] = await sam.wait_for_messages(count=2)
    assert catalogue_text(Language.NL, "mydata.arm_track_only") in summary["text"], (
        "the arm in plain words"
    )
    assert format_amount(300, Language.NL) in summary["text"]
    assert "document" in document, "the summary comes first, then the file"
    data = json.loads(sandbox.file_of(document).data)
    assert data["participant"]["arm"] == "control"
    assert [e["amount_cents"] for e in data["events"]] == [300]
    assert len(data["questionnaire_answers"]) == 16 + 9  # the scales and the context
