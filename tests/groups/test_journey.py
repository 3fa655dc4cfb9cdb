"""One group's whole cycle through the sandbox (issue 26, SPEC §11.7): five weeks of a savings
group with buddies and host rotation, as its members and counsellor see it in Telegram. Buddy
lines only once both opted in, nobody named who did not choose to be, four weeks of hosts, the
week's goal pinned once and edited, a person alone in a pool placed by the wait limit, and the
group closed at the end of its cycle: the bot leaves the chat and the group's nudges stop."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.study import Participant
from bot.db.together import HostWeek
from bot.i18n import Language, plural
from bot.i18n.money import format_amount
from bot.runtime import Runtime
from bot.sandbox import SandboxUser, TelegramSandbox
from tests.e2e.conftest import ALLOWED_PER_SECOND, TOKEN
from tests.groups.world import (
    SQLITE_ONLY,
    WEEK,
    group_bot,
    groups_in,
    join,
    peers,
    ready_group,
    scan,
    settle,
    texts,
)
from tests.services.peer_groups.weeks import PLAN_AT, REVIEW_AT, buttons_of, saving
from tests.texts import expected, said

NAMES = ("Sanne", "Kees", "Fatima", "Joost")
CYCLE = timedelta(days=35)
NL = Language.NL


def _with_button(person: SandboxUser, data: str) -> dict[str, Any]:
    """The newest message in the person's private chat with the button `data`."""
    for message in reversed(person.messages):
        if data in buttons_of(message).values():
            return message
    raise AssertionError(f"{person} has no message with the button {data}")


async def _choose(runtime: Runtime, person: SandboxUser, *presses: str) -> None:
    """/help, its 👥 Samen in de groep, then taps, each on the newest message offering it."""
    person.send("/help")
    await settle(runtime)
    for data in ("do:together", *presses):
        person.press(_with_button(person, data), data)
        await settle(runtime)


def _buddy_lines(person: SandboxUser) -> list[str]:
    """The week's buddy lines (their first line's wording changes with the week; each ends with
    the encouragement footer)."""
    footer = expected("together.buddy.line_footer")
    return [t for t in texts(person.messages) if t.startswith("🤝 ") and t.endswith(footer)]


def _host_weeks(person: SandboxUser) -> int:
    head = expected("together.host.week_topic", topic="").split("\n")[0]
    return sum(t.startswith(head) for t in texts(person.messages))


@SQLITE_ONLY
async def test_a_group_through_its_cycle_with_buddies_hosts_a_goal_and_nobody_left_waiting(
    database: Database, clock: FakeClock
) -> None:
    # Five weeks of group posts (about 30, with edits) come within seconds of wall time, and
    # Telegram's 20 a minute per group is a wall-clock limit in the sandbox and the sender: here
    # it is lifted (tests/delivery hold the sender to it); message dates follow the test's clock
    fake_time = lambda: clock.now().timestamp()  # noqa: E731
    async with (
        TelegramSandbox(
            bot_token=TOKEN, global_limit_per_s=ALLOWED_PER_SECOND, group_limit_per_min=1000,
            clock=fake_time,
        ) as sandbox,
        group_bot(
            sandbox, database, clock, components=("buddy", "host_rotation"), group_per_minute=1000,
            cycle_length=CYCLE,
        ) as runtime,
    ):  # fmt: skip
        leader, chat, members = await ready_group(
            sandbox, database, clock, runtime, size=4, names=NAMES, named_leader=True
        )
        sanne, kees, fatima, _joost = members
        [ayla] = await peers(sandbox, database, clock, runtime, 1, band="21-25", names=["Ayla"])
        for week in range(5):
            clock.set(PLAN_AT + week * WEEK)
            await scan(runtime)
            await scan(runtime)  # a second tick adds nothing
            if week == 0:  # two plan, Sanne saves; the goal follows
                prompt = next(m for m in chat.messages if "cip:" in str(buttons_of(m)))
                for member in (sanne, kees):
                    member.press(prompt, buttons_of(prompt)[saving(10)])
                await settle(runtime)
                await scan(runtime)
                sanne.send("/deposit 5")
                await settle(runtime)
                await scan(runtime)
                goals = [m for m in chat.messages if (m.get("text") or "").startswith("🎯")]
                pinned = chat.pinned_message_ids
                clock.advance(timedelta(days=1))  # the invitation to choose, the next day
                await scan(runtime)
                await _choose(runtime, sanne, "tg:buddy_on", "tg:name_ok")
                for member in (sanne, kees, fatima):  # Joost would rather not host
                    await _choose(runtime, member, "tg:host_on")
                lines_alone = _buddy_lines(sanne)
            if week == 1:  # Kees wants a buddy too; Sanne saves that week
                await _choose(runtime, kees, "tg:buddy_on", "tg:name_ok")
                sanne.send("/deposit 5")
                await settle(runtime)
            if week == 2:  # Ayla waited alone past the limit: placed in the running group
                await join(sandbox, chat, [ayla], database)
            clock.set(REVIEW_AT + week * WEEK)
            await scan(runtime)
        [(group, _)] = await groups_in(database)
        lines_before_close = [len(_buddy_lines(m)) for m in members]
        calls_before_close = len(sandbox.calls)
        clock.set(group.formed_at + CYCLE)
        await scan(runtime)
        clock.set(PLAN_AT + 5 * WEEK)  # the Monday after: nothing more for the group
        await scan(runtime)
        clock.set(PLAN_AT + 6 * WEEK)
        await scan(runtime)
        async with database.transaction() as session:
            hosts: list[int | None] = list(
                await session.scalars(
                    select(Participant.telegram_user_id)
                    .join(HostWeek, HostWeek.participant_id == Participant.id)
                    .order_by(HostWeek.week_start)
                )
            )
        assert sandbox.internal_errors == []
        assert sandbox.unknown_calls == []

    group_posts = [t for t in texts(chat.messages) if t]
    # the welcome names the counsellor; Ayla, placed by the wait limit, is welcomed too
    assert expected("presence.welcome_counsellor", name="Carla") in group_posts[1]
    assert said(texts(ayla.messages)[1], "pool.joined_group", size=5)
    assert chat.is_member(ayla)
    assert any(t.startswith(expected("join.welcome", count=1, names="Ayla")) for t in group_posts)
    # the week's goal: one message, pinned, edited as Sanne saved (not posted again)
    [goal] = goals
    assert goal["message_id"] in pinned
    assert [m["message_id"] for m in chat.messages if (m.get("text") or "")[:1] == "🎯"] == [
        goal["message_id"]
    ]
    euros = {n: format_amount(n * 100, NL) for n in (5, 20)}
    assert goal["text"] == expected("checkin.goal_savings", target=euros[20], progress=euros[5])
    # a buddy line only once both opted in: Sanne alone got none; then one a week each
    assert lines_alone == []
    assert lines_before_close == [3, 3, 0, 0]  # weeks 2, 3 and 4 (Kees paired in week 1)
    saved = plural(NL, "together.buddy.line_saved", 1, name="Sanne")
    assert _buddy_lines(kees)[0] == f"{saved}\n{expected('together.buddy.line_footer')}"
    assert all("Kees" in line for line in _buddy_lines(sanne))
    # nobody named who did not choose to be: Joost and Fatima appear in no post but the
    # welcome (where Telegram shows every member's name anyway), nor in anyone's messages
    for name in ("Fatima", "Joost", "Ayla"):
        assert not any(name in t for t in group_posts if not t.startswith("Welkom"))
        assert not any(name in t for m in members for t in texts(m.messages))
    # hosts over four weeks: each volunteer once before anyone twice, never Joost
    ids: dict[int | None, str] = {m.id: m.first_name for m in members}
    assert [ids[h] for h in hosts] == ["Sanne", "Kees", "Fatima", "Sanne"]
    assert [_host_weeks(m) for m in members] == [2, 1, 1, 0]
    # the cycle's end: the farewell, the bot leaves the chat, and the group's nudges stop
    assert said(group_posts[-1], "cycle.farewell", within=True)
    later = [c.method for c in sandbox.calls[calls_before_close:]]
    assert later.count("leaveChat") == 1
    assert not sandbox.world.bot_member(chat.chat).present
    assert [len(_buddy_lines(m)) for m in members] == lines_before_close
    assert [_host_weeks(m) for m in members] == [2, 1, 1, 0]
    assert said(leader.messages[-1]["text"], "counsellor.cycle.closed", group=group.id)
