"""The counsellor inbox for members of a peer group: the ticket names the group, and /groups
and /group count the group's open questions."""

from __future__ import annotations

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.sandbox import TelegramSandbox
from tests.groups.world import SQLITE_ONLY, group_bot, ready_group, settle


@SQLITE_ONLY
async def test_a_members_question_names_their_group_and_is_counted_under_it(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        leader, _chat, (anna, *_) = await ready_group(sandbox, database, clock, runtime)
        anna.send("/ask Mag ik mijn spaargeld ook voor een cursus gebruiken?")
        [receipt] = await anna.wait_for_messages(count=1)
        [ticket] = await leader.wait_for_messages(count=1)
        await settle(runtime)
        leader.send("/groups")
        [overview] = await leader.wait_for_messages(count=1)
        leader.send("/group 1")
        [detail] = await leader.wait_for_messages(count=1)
        keyboard = anna.reply_keyboard
    assert receipt["text"].startswith("Verstuurd naar je begeleider")
    assert ticket["text"].startswith(f"❓ Vraag #1 van {anna.first_name} (m-")
    assert "Groep: #1 · Geld sparen" in ticket["text"]
    assert overview["text"].endswith("Open vragen: 1 (#1: 1). /tickets toont ze.")
    assert detail["text"].endswith("Open vragen uit deze groep: 1. /tickets toont ze.")
    assert keyboard is not None
    labels = [b["text"] for row in keyboard["keyboard"] for b in row]
    assert labels[-1] == "❓ Vraag aan mijn begeleider", "a counsellor now, so the button too"
