"""The counsellor inbox for members of a peer group: the ticket names the group, and /groups
and /group count the group's open questions."""

from __future__ import annotations

from typing import Any

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.i18n import Language, text
from bot.sandbox import TelegramSandbox
from tests.groups.world import SQLITE_ONLY, group_bot, ready_group, settle
from tests.texts import expected, said

QUESTION = "Mag ik mijn spaargeld ook voor een cursus gebruiken?"


@SQLITE_ONLY
async def test_a_members_question_names_their_group_and_is_counted_under_it(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        leader, _chat, (anna, *_) = await ready_group(sandbox, database, clock, runtime)
        anna.send(f"/ask {QUESTION}")
        [receipt] = await anna.wait_for_messages(count=1)
        [ticket] = await leader.wait_for_messages(count=1)
        await settle(runtime)
        leader.send("/groups")
        [overview] = await leader.wait_for_messages(count=1)
        leader.send("/group 1")
        [detail] = await leader.wait_for_messages(count=1)
        keyboard = anna.reply_keyboard
    assert receipt["text"] == text(Language.NL, "inbox.sent")
    savings = text(Language.NL, "track.savings")
    ticket_of_anna: dict[str, Any] = {"ticket": 1, "name": anna.first_name, "question": QUESTION}
    assert said(ticket["text"], "inbox.ticket", group="#1", track=savings, **ticket_of_anna)
    assert f"{anna.first_name} (m-" in ticket["text"], "named with their pseudonym"
    assert overview["text"].endswith(expected("inbox.open_overview", count=1, parts="#1: 1"))
    assert detail["text"].endswith(expected("inbox.open_in_group", count=1))
    assert keyboard is not None
    labels = [b["text"] for row in keyboard["keyboard"] for b in row]
    assert labels[-1] == text(Language.NL, "menu.ask"), "a counsellor now, so the button too"
