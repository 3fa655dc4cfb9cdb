"""The end of a group's cycle through the sandbox (issue 26.8): the last post goes out, the bot
leaves the Telegram group by leaveChat, the counsellor hears what to do with the chat (and no
alarm that the bot was removed), and the members keep logging in their own chat."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.sandbox import TelegramSandbox
from tests.groups.world import SQLITE_ONLY, group_bot, groups_in, ready_group, scan, settle, texts
from tests.texts import protocol_said, said

CYCLE = timedelta(days=70)  # the shipped study's groups.cycle_length


@SQLITE_ONLY
async def test_at_the_end_of_its_cycle_the_group_hears_goodbye_and_the_bot_leaves_the_chat(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        leader, chat, members = await ready_group(sandbox, database, clock, runtime, size=3)
        [(group, _members)] = await groups_in(database)
        clock.set(group.formed_at + CYCLE)
        await scan(runtime)
        await settle(runtime)
        await leader.wait_for_messages(count=0)
        told = leader.messages[-1]["text"]
        members[0].send("/deposit 5")
        [receipt] = await members[0].wait_for_messages(count=1)
        await settle(runtime)

    posted = [t for t in texts(chat.messages) if t]
    assert said(posted[-1], "cycle.farewell")
    assert [c.method for c in sandbox.calls].count("leaveChat") == 1
    assert not sandbox.world.bot_member(chat.chat).present
    assert said(told, "counsellor.cycle.closed", group=group.id)
    assert not any(said(m["text"], "alerts.bot_removed") for m in leader.messages)
    assert protocol_said(receipt["text"], "confirmation_deposit")
