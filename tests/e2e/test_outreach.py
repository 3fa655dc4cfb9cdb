"""The counsellor's check-in over the sandbox (issue 27, config/mechanisms.toml): the prompt
reaches the counsellor with a draft, one tap sends it, the participant answers by replying, and
the counsellor answers that in the inbox."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from bot.app import build_application, running
from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.study import Event
from bot.i18n import Language
from bot.paths import shipped_config
from bot.sandbox import TelegramSandbox
from bot.scheduler import scan_tickets
from bot.services.turns import StaffDirectory
from experiments.protocol import load_protocol
from tests.e2e.conftest import runtime_for
from tests.e2e.journey import buttons, enroll, new_code, seed_for_first
from tests.e2e.test_inbox import counsellor, nl, settle

ANSWER = "Fijn om te horen! Tot over twee weken."


async def test_a_check_in_goes_out_with_one_tap_and_the_answer_returns_through_the_inbox(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    admin = sandbox.add_user("Anna", language_code="en")
    runtime = runtime_for(sandbox, database, clock)
    protocol = load_protocol(shipped_config("mechanisms.toml"))
    seed = seed_for_first("attention", "savings", protocol, clock.now().date())
    staff = StaffDirectory(frozenset({admin.id}))
    runtime.trial = replace(runtime.trial, protocol=protocol, allocation_seed=seed, staff=staff)
    async with running(build_application(runtime)):
        carla = await counsellor(sandbox, database, clock)
        saver = sandbox.add_user("Sanne", language_code="nl")
        await enroll(saver, await new_code(database, clock))
        clock.advance(protocol.outreach.first_after + timedelta(hours=4))
        await scan_tickets(runtime)
        [prompt] = await carla.wait_for_messages(count=1)
        await settle(runtime)
        carla.press(prompt, buttons(prompt)[0])
        [sent] = await carla.wait_for_messages(count=1)
        [check_in] = await saver.wait_for_messages(count=1)
        await settle(runtime)  # which message in Sanne's chat was the check-in
        saver.send("Goed hoor, ik spaar elke week een beetje.", reply_to=check_in)
        [receipt] = await saver.wait_for_messages(count=1)
        [answered] = await carla.wait_for_messages(count=1)
        await settle(runtime)
        carla.send(ANSWER, reply_to=answered)
        [answer] = await saver.wait_for_messages(count=1)
        await settle(runtime)

    draft = protocol.outreach.draft.text(Language.NL)
    assert draft in prompt["text"]
    assert buttons(prompt) == ["otr:1"]
    assert sent["text"] == nl("outreach.sent", ticket=1)
    assert check_in["text"] == nl("outreach.named.message", name="Carla", words=draft)
    assert buttons(check_in) == ["otra"]
    assert receipt["text"] == nl("inbox.sent")
    assert "ik spaar elke week een beetje" in answered["text"]
    assert answer["text"] == nl("inbox.named.answer", name="Carla", words=ANSWER)
    async with database.snapshot() as session:
        kinds = list(await session.scalars(select(Event.kind).order_by(Event.id)))
    outreach = [kind for kind in kinds if kind.startswith(("outreach_", "ticket_"))]
    assert outreach == [
        "outreach_prompted",
        "outreach_sent",
        "outreach_answered",
        "ticket_reopened",
        "ticket_answered",
    ]
