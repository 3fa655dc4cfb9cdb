"""Weekly group progress and curriculum topics on schedule; nobody named unasked; no group text
kept."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import inspect
from sqlalchemy import text as sql
from sqlalchemy.engine import Connection

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.i18n import Language, plural, text
from bot.runtime import Runtime
from bot.sandbox import SandboxGroup, SandboxUser, TelegramSandbox
from tests.groups.world import (
    SQLITE_ONLY,
    WEEK,
    besides_checkin,
    group_bot,
    ready_group,
    scan,
    texts,
)
from tests.texts import protocol_said, protocol_text, topic


async def _deposit(person: SandboxUser, amount: str) -> None:
    person.send(f"/deposit {amount}")
    await person.wait_for_messages(count=1)


async def _handled(
    sandbox: TelegramSandbox, chat: SandboxGroup, member: SandboxUser, within_s: float = 5.0
) -> None:
    """Updates are handled in order: once /rules is answered, everything before it was too."""
    before = len(chat.messages)
    member.send_in_group(chat, "/rules")
    await sandbox.wait_for(lambda: len(chat.messages) > before, within_s, "the rules")


def _rejected(sandbox: TelegramSandbox) -> list[str]:
    return [c.method for c in sandbox.calls if c.http_status == 429]


async def test_progress_and_curriculum_arrive_weekly_without_backlog_or_flood_errors(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        _leader, chat, members = await ready_group(sandbox, database, clock, runtime)
        start = len(chat.messages)
        await _deposit(members[0], "10")
        await _deposit(members[1], "5,50")
        clock.advance(timedelta(days=1))
        await scan(runtime)
        first_topic = texts(besides_checkin(chat.messages))[start:]
        clock.advance(timedelta(days=6))
        await scan(runtime)
        await scan(runtime)  # a second scan of the same moment adds nothing
        first_week = texts(besides_checkin(chat.messages))[start + len(first_topic) :]
        clock.advance(WEEK * 3)  # three weeks of downtime: one summary, not three
        await scan(runtime)
        clock.advance(timedelta(days=1))  # a late topic waits for its slot, then comes in order
        await scan(runtime)
        shown = texts(besides_checkin(chat.messages))
        after_downtime = shown[start + len(first_topic) + len(first_week) :]
    prompt = "curriculum_prompt"
    assert first_topic == [protocol_text(prompt, week=1, topic=topic("savings", 1))]
    assert first_week == [protocol_text("group_progress_savings", active=2, members=4)]
    # a week nobody saved: no "0 of 4", no praise, and no second "new week" prompt beside the
    # check-in's plan prompt
    assert after_downtime == [protocol_text(prompt, week=2, topic=topic("savings", 2))]
    assert _rejected(sandbox) == []


@SQLITE_ONLY
async def test_jobseekers_group_hears_how_many_took_a_step(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        _leader, chat, members = await ready_group(
            sandbox, database, clock, runtime, size=3, track="jobsearch"
        )
        members[0].send("/applied")
        await members[0].wait_for_messages(count=1)
        clock.advance(timedelta(days=1))
        await scan(runtime)  # the first topic
        clock.advance(WEEK - timedelta(days=1))
        await scan(runtime)
    summary = next(t for t in texts(chat.messages) if protocol_said(t, "group_progress_jobsearch"))
    one_application = plural(Language.NL, "count.applications", 1)  # in the singular
    assert summary == protocol_text(
        "group_progress_jobsearch", active=1, members=3, applications=one_application
    )
    topics = [t for t in texts(chat.messages) if protocol_said(t, "curriculum_prompt")]
    assert topics[0] == protocol_text("curriculum_prompt", week=1, topic=topic("jobsearch", 1))
    assert not any("sparen" in t.lower() for t in topics)  # jobseekers get jobseekers' topics


@SQLITE_ONLY
async def test_a_week_without_job_search_steps_gets_no_count_and_one_new_week_prompt(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        _leader, chat, _members = await ready_group(
            sandbox, database, clock, runtime, size=3, track="jobsearch"
        )
        clock.advance(WEEK)
        await scan(runtime)
        clock.advance(timedelta(hours=1))  # Monday 10:00 in Amsterdam: the check-in's plan
        await scan(runtime)
        await sandbox.wait_for(
            lambda: texts(chat.messages)[-1].startswith(text(Language.NL, "checkin.plan_prompt")),
            what="the plan prompt",
        )
    posted = texts(chat.messages)
    summaries = ("group_progress_jobsearch", "group_progress_savings")
    assert not any(protocol_said(t, kind) for t in posted for kind in summaries)
    assert text(Language.NL, "join.progress_quiet_jobsearch") not in posted


@SQLITE_ONLY
async def test_nobody_is_named_in_the_group_by_default(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        _leader, chat, (anna, *_) = await ready_group(sandbox, database, clock, runtime)
        before = len(chat.messages)
        await _deposit(anna, "10")
        await _handled(sandbox, chat, anna)
    # nothing in the group after the deposit but the answer to /rules
    assert texts(chat.messages)[before:] == [text(Language.NL, "groups.rules")]
    assert not [t for t in texts(chat.messages) if "gespaard" in t]


async def test_a_busy_group_week_leaves_no_message_text_in_the_database(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    # Telegram stamps the sandbox's messages in real time, so a week of talk arrives within a
    # second; flood control is set out of reach to let the whole week through.
    async with group_bot(sandbox, database, clock, flood_messages=1000) as runtime:
        leader, chat, members = await ready_group(sandbox, database, clock, runtime)
        said = await _busy_week(sandbox, runtime, clock, chat, leader, members)
        await _handled(sandbox, chat, members[0], within_s=30)
    dump = await _dump(database)
    leaks = [
        (table, phrase)
        for table, rows in dump.items()
        for row in rows
        for phrase in said
        if phrase in json.dumps([str(value) for value in row])
    ]
    assert leaks == []
    assert len(said) == 7 * 4 * 3 + 1


async def _busy_week(
    sandbox: TelegramSandbox,
    runtime: Runtime,
    clock: FakeClock,
    chat: SandboxGroup,
    leader: SandboxUser,
    members: list[SandboxUser],
) -> list[str]:
    said = []
    for day in range(7):
        for member in members:
            for n in range(3):
                phrase = f"geheim-{day}-{member.id}-{n}"
                said.append(phrase)
                last = member.send_in_group(chat, f"Vandaag {phrase} gedaan")
        clock.advance(timedelta(days=1))
        await scan(runtime)
    await leader.wait_for_messages(count=0)  # the week's digest came before the report
    reported = members[0].send_in_group(chat, "Mijn rekeningnummer is NL00-GEHEIM-99")
    said.append("NL00-GEHEIM-99")
    members[1].send_in_group(chat, "/report", reply_to=reported)
    [alert] = await leader.wait_for_messages(count=1, timeout=30)  # after a week of talk
    leader.press(alert, alert["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
    await leader.wait_for_messages(count=1)
    leader.send_in_group(chat, "/warn vriendelijk blijven", reply_to=last)
    return said


def _all_rows(connection: Connection) -> dict[str, list[tuple[object, ...]]]:
    tables = inspect(connection).get_table_names()
    return {t: list(connection.execute(sql(f'SELECT * FROM "{t}"'))) for t in tables}


async def _dump(database: Database) -> dict[str, list[tuple[object, ...]]]:
    async with database.engine.connect() as connection:
        return await connection.run_sync(_all_rows)
