"""Daily use: logging, bad input, pause and stop, restarts and re-delivered updates."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from telegram import Update

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.study import Event, Participant
from bot.i18n import Language, plural, text
from bot.sandbox import TelegramSandbox
from bot.services.participants.money import format_amount
from tests.e2e.journey import (
    bot_with_first_arm,
    buttons,
    enroll,
    new_code,
    scan_and_deliver,
    stop,
)
from tests.texts import expected, protocol_text, reminder_text


async def _events(database: Database) -> list[tuple[str, int | None]]:
    async with database.transaction() as session:
        rows = await session.execute(select(Event.kind, Event.amount_cents).order_by(Event.id))
        return [(kind, amount) for kind, amount in rows]


async def test_bad_amounts_are_explained_and_record_nothing(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings"):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        await enroll(sanne, await new_code(database, clock))
        answers = []
        for typed in ("/deposit 0", "/deposit -5", "/deposit twaalf", "/deposit 99999999"):
            sanne.send(typed)
            [answer] = await sanne.wait_for_messages(count=1)
            answers.append(answer["text"])
    assert answers[0] == text(Language.NL, "amount.not_positive")
    assert answers[1] == text(Language.NL, "amount.not_positive")
    assert answers[2] == text(Language.NL, "amount.not_a_number")
    assert answers[3] == text(Language.NL, "amount.too_large")
    assert await _events(database) == []


async def test_fractions_of_a_cent_and_endless_digits_are_explained_and_record_nothing(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings"):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        await enroll(sanne, await new_code(database, clock))
        answers = []
        for typed in ("/deposit 0,001", "/deposit " + "9" * 4_000):
            sanne.send(typed)
            [answer] = await sanne.wait_for_messages(count=1)
            answers.append(answer["text"])
    assert answers[0] == text(Language.NL, "amount.too_many_decimals")
    assert answers[1] == text(Language.NL, "amount.not_a_number")
    assert await _events(database) == []


async def test_deposit_button_records_the_committed_amount_and_undo_corrects_it(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "control", "savings"):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        await enroll(sanne, await new_code(database, clock))
        sanne.send("/deposit")
        [offer] = await sanne.wait_for_messages(count=1)
        sanne.press(offer, buttons(offer)[0])
        await sanne.wait_for_messages(count=1)
        sanne.send("/undo")  # typed still works: it asks the same one tap as ↩️ Herstel
        [question] = await sanne.wait_for_messages(count=1)
        sanne.press(question, buttons(question)[0])
        [undone] = await sanne.wait_for_messages(count=1)
    saved = expected("undo.what_deposit", amount=format_amount(1000, Language.NL))
    assert question["text"] == expected("undo.confirm", what=saved, when=expected("undo.today"))
    assert await _events(database) == [("deposit", 1000), ("deposit_correction", -1000)]
    assert undone["text"] == expected(
        "undo.done_deposit",
        what=saved,
        total=format_amount(0, Language.NL),
        button=expected("menu.saved"),
    )


async def test_redelivered_deposit_is_recorded_once(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings") as (app, runtime):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        await enroll(sanne, await new_code(database, clock))
        message = sanne.send("/deposit 7,50")
        [receipt] = await sanne.wait_for_messages(count=1)
        [update] = [
            u
            for u in sandbox.updates
            if u.get("message", {}).get("message_id") == message["message_id"]
        ]
        await app.process_update(Update.de_json(update, app.bot))
        assert runtime.sender is not None
        await runtime.sender.settle()
        assert sanne.messages[-1] == receipt, "no second receipt and no apology"
    assert await _events(database) == [("deposit", 750)]


async def test_intake_continues_after_a_restart(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    code = await new_code(database, clock)
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings"):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        sanne.send(f"/start {code}")
        [consent] = await sanne.wait_for_messages(count=1)
        sanne.press(consent, buttons(consent)[0])
        *_, ask_language = await sanne.wait_for_messages(count=2)
        sanne.press(ask_language, "lang:en")
        await sanne.wait_for_messages(count=1)
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings"):
        sanne.send("1999")
        [next_question] = await sanne.wait_for_messages(count=1)
    assert next_question["text"] == text(Language.EN, "intake.track")


async def test_paused_participant_gets_no_reminder_and_resume_keeps_the_week(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings") as (_, runtime):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        await enroll(sanne, await new_code(database, clock))
        sanne.send("/pause")
        await sanne.wait_for_messages(count=1)
        clock.advance(timedelta(days=8))
        await scan_and_deliver(runtime)
        paused_messages = len(sanne.messages)
        sanne.send("/resume")
        [resumed] = await sanne.wait_for_messages(count=1)
        clock.advance(timedelta(days=7, hours=1))
        await scan_and_deliver(runtime)
    assert resumed["text"].endswith(text(Language.NL, "period.kept_week", day="maandag"))
    texts = [m["text"] for m in sanne.messages]
    assert len(texts) == paused_messages + 2
    # her second week (Monday to Monday, the one she resumed in) went by without savings
    assert texts[-1] == reminder_text("savings", 1, goal=format_amount(1000, Language.NL))


async def test_stopped_participant_gets_no_more_nudges(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings") as (_, runtime):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        await enroll(sanne, await new_code(database, clock))
        answer = await stop(sanne)
        before = len(sanne.messages)
        clock.advance(timedelta(days=30))
        await scan_and_deliver(runtime)
    assert answer["text"] == text(Language.NL, "stop.done")
    assert len(sanne.messages) == before
    assert ("withdrawal", None) in await _events(database)


async def test_blocked_participant_is_lost_until_they_write_again(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings") as (_, runtime):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        await enroll(sanne, await new_code(database, clock))
        sanne.block()
        clock.advance(timedelta(days=7, hours=1))
        await scan_and_deliver(runtime)
        async with database.transaction() as session:
            lost = await session.scalar(select(Participant.unreachable_since))
        clock.advance(timedelta(days=7))
        await scan_and_deliver(runtime)
        attempts_while_blocked = [
            c for c in sandbox.calls if c.method == "sendMessage" and c.http_status == 403
        ]
        sanne.send("/start")
        [welcome_back] = await sanne.wait_for_messages(count=1)
        async with database.transaction() as session:
            found = await session.scalar(select(Participant.unreachable_since))
    assert lost is not None
    assert len(attempts_while_blocked) == 1, "after the first 403 nothing more is tried"
    assert found is None
    assert welcome_back["text"] == text(Language.NL, "start.welcome_back")


async def test_language_can_be_changed_later(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings"):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        await enroll(sanne, await new_code(database, clock))
        sanne.send("/language")
        [ask] = await sanne.wait_for_messages(count=1)
        sanne.press(ask, "lang:en")
        [changed] = await sanne.wait_for_messages(count=1)
        sanne.send("/progress")
        [progress] = await sanne.wait_for_messages(count=1)
    assert changed["text"] == text(Language.EN, "language.changed")
    zero, ten = format_amount(0, Language.EN), format_amount(1000, Language.EN)
    assert progress["text"] == expected(
        "progress.savings",
        language=Language.EN,
        total=zero,
        deposits=plural(Language.EN, "count.deposits", 0),
        period_total=zero,
        goal=ten,
    ) + "\n" + text(Language.EN, "period.week_starts", day="Monday")


async def test_goal_is_changed_by_button_or_by_typing(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings"):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        await enroll(sanne, await new_code(database, clock))
        sanne.send("/goal")
        [offer] = await sanne.wait_for_messages(count=1)
        sanne.press(offer, "goal:2000")
        [by_button] = await sanne.wait_for_messages(count=1)
        async with database.transaction() as session:
            after_button = await session.scalar(select(Participant.commitment_cents))
        sanne.send("/goal 7,50")
        [by_typing] = await sanne.wait_for_messages(count=1)
        async with database.transaction() as session:
            after_typing = await session.scalar(select(Participant.commitment_cents))
    assert by_button["text"] == by_typing["text"] == text(Language.NL, "goal.changed")
    assert (after_button, after_typing) == (2000, 750)


async def test_quick_taps_of_one_person_are_handled_in_order(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "control", "savings"):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        await enroll(sanne, await new_code(database, clock))
        for euros in range(1, 7):
            sanne.send(f"/deposit {euros}")
        replies = await sanne.wait_for_messages(count=6)
    assert await _events(database) == [("deposit", euros * 100) for euros in range(1, 7)]
    # the receipt names the amount, then the total (the protocol's text, then the goal's)
    goal = 10
    totals = [1, 3, 6, 10, 15, 21]
    assert [r["text"] for r in replies] == [
        protocol_text(
            "confirmation_deposit",
            amount=_euros(euros),
            total=_euros(total),
            remaining=_euros(goal - total),
        )
        if total < goal
        else expected(
            "goal_reached.confirmation_deposit",
            amount=_euros(euros),
            total=_euros(total),
            goal=_euros(goal),
        )
        for euros, total in zip(range(1, 7), totals, strict=True)
    ]


def _euros(whole: int) -> str:
    return format_amount(whole * 100, Language.NL)
