"""/mydata shows a member their group and what moderation did about them: what, when and why,
never who reported them or which counsellor acted (issue 14 point 7)."""

from __future__ import annotations

import json

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.i18n import Language, text
from bot.sandbox import TelegramSandbox
from tests.groups.world import SQLITE_ONLY, group_bot, ready_group, settle


@SQLITE_ONLY
async def test_mydata_holds_the_group_and_moderation_about_them_but_not_who(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        leader, chat, (anna, bert, *_) = await ready_group(sandbox, database, clock, runtime)
        said = anna.send_in_group(chat, "Koop mijn spullen!")
        bert.send_in_group(chat, "/report", reply_to=said)
        leader.send_in_group(chat, "/mute 2h reclame", reply_to=said)
        await sandbox.wait_for(lambda: chat.is_muted(anna), what="the member muted")
        await settle(runtime)
        await anna.wait_for_messages(count=0)
        anna.send("/mydata")
        [summary, document] = await anna.wait_for_messages(count=2)
    content = sandbox.file_of(document).data.decode("utf-8")
    data = json.loads(content)
    assert data["group_membership"]["status"] == "joined"
    [action] = data["moderation_actions_about_you"]
    assert (action["what"], action["why"]) == ("mute", "reclame")
    assert action["when"] is not None
    assert str(leader.id) not in content, "never which counsellor acted"
    assert str(bert.id) not in content, "never who reported"
    group = data["group_membership"]["group"]
    assert text(Language.NL, "mydata.group", group=group) in summary["text"]
    assert text(Language.NL, "mydata.arm_group") in summary["text"]
