"""The bot never claims what did not happen: a counsellor's /post is confirmed only once it is
in the group, and a post Telegram refuses is reported to them with the reason."""

from __future__ import annotations

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.i18n import Language, text
from bot.sandbox import TelegramSandbox
from tests.groups.world import group_bot, ready_group, settle


async def test_post_is_confirmed_only_once_it_is_in_the_group(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        leader, chat, _members = await ready_group(sandbox, database, clock, runtime)
        leader.send("/post 1 Goedemorgen allemaal!")
        [answer] = await leader.wait_for_messages(count=1)
        await settle(runtime)
    assert answer["text"] == text(Language.NL, "counsellor.posted", group=1)
    assert chat.messages[-1]["text"] == "Goedemorgen allemaal!"


async def test_post_after_the_bot_was_removed_is_never_called_posted(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        leader, chat, _members = await ready_group(sandbox, database, clock, runtime)
        shown = len(chat.history)
        chat.remove_bot()
        leader.send("/post 1 Goedemorgen allemaal!")
        answers = await leader.wait_for_messages(count=2)
        await settle(runtime)
    why = text(Language.NL, "outcome.why_gone")
    what = text(Language.NL, "outcome.what_post")
    told = text(Language.NL, "outcome.not_done", what=what, group=1, why=why)
    assert answers[-1]["text"] == told
    assert text(Language.NL, "counsellor.posted", group=1) not in [a["text"] for a in answers]
    assert "Goedemorgen allemaal!" not in [m.get("text") for m in chat.history[shown:]]


async def test_removing_the_counsellor_who_made_the_group_tells_the_admin_they_still_own_it(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    admin = sandbox.add_user("Anna Admin")
    admin.record.started = True
    async with group_bot(sandbox, database, clock, admins=[admin]) as runtime:
        leader, _chat, _members = await ready_group(sandbox, database, clock, runtime, size=3)
        admin.send(f"/staff_remove {leader.id}")
        done, note = await admin.wait_for_messages(count=2)
        await settle(runtime)
    who = text(Language.NL, "handover.counsellor", id=leader.id)
    steps = text(Language.NL, "handover.steps")
    theirs = text(Language.NL, "handover.theirs", group=1, who=who, steps=steps)
    assert done["text"] == text(
        Language.NL, "admin.staff_removed", id=leader.id, roles="counsellor"
    )
    assert note["text"].startswith(theirs)  # the group chat's creator, as Telegram says
