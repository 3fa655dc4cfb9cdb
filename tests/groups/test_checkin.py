"""The weekly check-in and the group goal through the sandbox, as a group sees them: the plan
prompt, a tap answered by a toast, the count edited in, the goal pinned once and edited as a
deposit comes in, and a counsellor's tap turned away kindly."""

from __future__ import annotations

from typing import Any

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.i18n import Language, text
from bot.i18n.money import format_amount
from bot.sandbox import SandboxGroup, TelegramSandbox
from tests.groups.world import SQLITE_ONLY, group_bot, ready_group, scan, settle
from tests.services.peer_groups.weeks import PLAN_AT, buttons_of, saving
from tests.texts import expected

NL = Language.NL


def _with_buttons(chat: SandboxGroup, prefix: str) -> dict[str, Any]:
    [found] = [
        m for m in chat.messages if any(d.startswith(prefix) for d in buttons_of(m).values())
    ]
    return found


@SQLITE_ONLY
async def test_a_group_plans_its_week_and_sees_its_goal_pinned_and_updated(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        leader, chat, members = await ready_group(sandbox, database, clock, runtime, size=3)
        clock.set(PLAN_AT)
        await scan(runtime)
        prompt = _with_buttons(chat, "cip:")
        plan = buttons_of(prompt)[saving(25)]

        tap = members[0].press(prompt, plan)
        turned_away = leader.press(prompt, plan)
        await settle(runtime)
        await scan(runtime)  # the goal: the sum of the plans
        members[0].send("/deposit 10")
        await members[0].wait_for_messages(count=1)
        await scan(runtime)  # the goal's progress, by the ledger

        edited = chat.chat.messages[prompt["message_id"]]
        goals = [m for m in chat.messages if (m.get("text") or "").startswith("🎯")]

    assert members[0].callback_answer(tap) == {"text": expected("checkin.noted", plan=saving(25))}
    assert leader.callback_answer(turned_away) == {"text": expected("checkin.not_member")}
    assert text(NL, "checkin.plans", count=1, members=3) in edited["text"]
    [goal] = goals  # one goal message, edited rather than posted again
    assert goal["message_id"] in chat.pinned_message_ids
    euros = {n: format_amount(n * 100, NL) for n in (10, 25)}
    assert goal["text"] == expected("checkin.goal_savings", target=euros[25], progress=euros[10])
