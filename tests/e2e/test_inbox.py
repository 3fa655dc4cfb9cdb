"""The counsellor inbox over the sandbox: a question reaches the counsellor, a reply reaches the
participant, unanswered questions are reminded and escalated, and the words do not outlive
their purpose."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.app import build_application, running
from bot.clock import FakeClock
from bot.db.delivery import OutboxMessage
from bot.db.engine import Database
from bot.db.study import Event, Participant, Role
from bot.db.tickets import Ticket, TicketStatus
from bot.i18n import Language, text
from bot.research import read_trial
from bot.runtime import Runtime
from bot.sandbox import SandboxUser, TelegramSandbox
from bot.scheduler import scan_tickets
from bot.services.directory import create_invite
from bot.services.turns import StaffDirectory
from experiments.allocation import Pseudonymizer
from experiments.outputs import build_tables
from experiments.records import TICKET_KINDS
from tests.e2e.conftest import runtime_for
from tests.e2e.journey import buttons, enroll, new_code, seed_for_first
from tests.texts import expected, said

QUESTION = "Hoe lang duurt het voordat mijn groep begint?"
ANSWER = "Meestal een paar weken, ik houd je op de hoogte."
ASK_LABEL = text(Language.NL, "menu.ask")


def nl(key: str, **params: object) -> str:
    return expected(key, language=Language.NL, **params)


@asynccontextmanager
async def inbox_bot(
    sandbox: TelegramSandbox,
    database: Database,
    clock: FakeClock,
    admin: SandboxUser,
    arm: str = "peer",
) -> AsyncIterator[Runtime]:
    """A running bot with `admin` as operator whose first saver (Utrecht, 26-35) gets `arm`."""
    runtime = runtime_for(sandbox, database, clock)
    seed = seed_for_first(arm, "savings", runtime.trial.protocol, clock.now().date())
    staff = StaffDirectory(frozenset({admin.id}))
    runtime.trial = replace(runtime.trial, allocation_seed=seed, staff=staff)
    async with running(build_application(runtime)):
        yield runtime


async def settle(runtime: Runtime) -> None:
    assert runtime.sender is not None
    await runtime.sender.settle()


async def counsellor(sandbox: TelegramSandbox, database: Database, clock: FakeClock) -> SandboxUser:
    async with database.transaction() as session:
        token = await create_invite(session, Role.COUNSELLOR, clock.now())
    carla = sandbox.add_user("Carla", language_code="nl")
    carla.send(f"/start {token}")
    await carla.wait_for_messages(count=2)  # the welcome, and which language
    return carla


def menu_labels(keyboard: dict[str, Any] | None) -> list[str]:
    return [button["text"] for row in (keyboard or {}).get("keyboard", []) for button in row]


async def ask(
    runtime: Runtime, saver: SandboxUser, carla: SandboxUser
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The saver asks QUESTION by /ask; returns (their receipt, the counsellor's ticket)."""
    saver.send(f"/ask {QUESTION}")
    [receipt] = await saver.wait_for_messages(count=1)
    [ticket] = await carla.wait_for_messages(count=1)
    await settle(runtime)  # the ticket's message id is recorded with its delivery
    return receipt, ticket


async def test_a_question_reaches_the_counsellor_and_a_reply_reaches_the_participant(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    admin = sandbox.add_user("Anna", language_code="en")
    async with inbox_bot(sandbox, database, clock, admin) as runtime:
        carla = await counsellor(sandbox, database, clock)
        saver = sandbox.add_user("Sanne", language_code="nl")
        await enroll(saver, await new_code(database, clock))
        menu = menu_labels(saver.reply_keyboard)
        saver.tap(ASK_LABEL)
        [prompt] = await saver.wait_for_messages(count=1)
        saver.send(QUESTION)  # the question comes in the next message
        [receipt] = await saver.wait_for_messages(count=1)
        [ticket] = await carla.wait_for_messages(count=1)
        await settle(runtime)
        carla.send(ANSWER)  # not a reply: which question would it answer?
        [how_to] = await carla.wait_for_messages(count=1)
        carla.send(ANSWER, reply_to=ticket)
        [answer] = await saver.wait_for_messages(count=1)
        [relayed] = await carla.wait_for_messages(count=1)
        await settle(runtime)
    assert how_to["text"] == nl("inbox.how_to_answer")
    assert menu[-1] == ASK_LABEL
    assert prompt["text"] == nl("inbox.type_question")
    assert receipt["text"] == nl("inbox.sent")
    in_the_pool = nl("inbox.place_pool")  # a peer participant still in the pool
    of_sanne: dict[str, Any] = {"ticket": 1, "name": "Sanne", "question": QUESTION}
    assert said(ticket["text"], "inbox.ticket", group=in_the_pool, **of_sanne)
    assert str(saver.id) not in ticket["text"]
    # the answer carries the counsellor's first name (issue 26.6)
    assert answer["text"] == nl("inbox.named.answer", name="Carla", words=ANSWER)
    assert relayed["text"] == nl("inbox.relayed", ticket=1)
    async with database.snapshot() as session:
        kinds = list(await session.scalars(select(Event.kind).order_by(Event.id)))
        counsellor_id = await session.scalar(select(Participant.counsellor_id))
    assert counsellor_id is not None, "assigned at allocation"
    assert kinds[-2:] == ["ticket_opened", "ticket_answered"]


async def test_the_export_counts_questions_and_answers_without_their_words(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    admin = sandbox.add_user("Anna", language_code="en")
    async with inbox_bot(sandbox, database, clock, admin) as runtime:
        carla = await counsellor(sandbox, database, clock)
        saver = sandbox.add_user("Sanne", language_code="nl")
        await enroll(saver, await new_code(database, clock))
        _, ticket = await ask(runtime, saver, carla)
        clock.advance(timedelta(hours=2))
        carla.send(ANSWER, reply_to=ticket)
        await saver.wait_for_messages(count=1)
        await settle(runtime)
    raw = await read_trial(database, clock.now())
    tables = build_tables(raw, Pseudonymizer("e2e-pseudonym-key"), protocol=runtime.trial.protocol)
    events = tables["events"]
    answered = events[events["kind"] == "ticket_answered"]
    assert list(events["kind"]).count("ticket_opened") == 1
    assert list(answered["detail_wait_s"]) == [2 * 3600]
    assert list(answered["detail_reply"]) == ["typed"]
    for name, frame in tables.items():
        cells = [str(cell) for cell in frame.to_numpy().ravel()]
        assert not [c for c in cells if "groep begint" in c or "paar weken" in c], name


async def test_an_unanswered_question_is_reminded_then_escalated_to_the_admin_once(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    admin = sandbox.add_user("Anna", language_code="en")
    async with inbox_bot(sandbox, database, clock, admin) as runtime:
        carla = await counsellor(sandbox, database, clock)
        saver = sandbox.add_user("Sanne", language_code="nl")
        await enroll(saver, await new_code(database, clock))
        await ask(runtime, saver, carla)
        admin.send("/help")  # an admin has a chat with the bot
        await admin.wait_for_messages(count=1)
        clock.advance(timedelta(hours=23))
        await scan_tickets(runtime)
        await settle(runtime)
        early = carla.messages
        clock.advance(timedelta(hours=2))
        await scan_tickets(runtime)
        [reminder] = await carla.wait_for_messages(count=1)
        clock.advance(timedelta(hours=48))
        await scan_tickets(runtime)
        [escalation] = await admin.wait_for_messages(count=1)
        await scan_tickets(runtime)  # once each, however often the scan runs
        await settle(runtime)
        admin.send(ANSWER, reply_to=escalation)  # the admin may answer it themselves
        [answer] = await saver.wait_for_messages(count=1)
        await settle(runtime)
        quiet_carla, quiet_admin = carla.messages, admin.messages
    assert len(early) == 3, "nothing before the protocol's 24 hours (invite, language, ticket)"
    assert said(reminder["text"], "inbox.reminder", ticket=1, hours=25, question=QUESTION)
    assert said(escalation["text"], "inbox.escalation", ticket=1, hours=73, question=QUESTION)
    assert answer["text"] == nl("inbox.answer", words=ANSWER)
    assert len(quiet_carla) == 4  # welcome, language, ticket, reminder
    assert len(quiet_admin) == 3  # help, the escalation and the "on its way" receipt
    async with database.snapshot() as session:
        ticket_events = select(Event.kind).where(Event.kind.in_(TICKET_KINDS)).order_by(Event.id)
        kinds = list(await session.scalars(ticket_events))
    assert kinds == ["ticket_opened", "ticket_escalated", "ticket_answered"]


async def test_delete_erases_the_question_and_the_answer(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    admin = sandbox.add_user("Anna", language_code="en")
    async with inbox_bot(sandbox, database, clock, admin) as runtime:
        carla = await counsellor(sandbox, database, clock)
        saver = sandbox.add_user("Sanne", language_code="nl")
        await enroll(saver, await new_code(database, clock))
        _, ticket = await ask(runtime, saver, carla)
        carla.send(ANSWER, reply_to=ticket)
        await saver.wait_for_messages(count=1)
        await carla.wait_for_messages(count=1)
        await settle(runtime)
        saver.send("/delete")
        [confirm] = await saver.wait_for_messages(count=1)
        saver.press(confirm, "del:yes")
        await saver.wait_for_messages(count=1)
        await settle(runtime)
        carla.send("Nog een vraag?", reply_to=ticket)
        [closed] = await carla.wait_for_messages(count=1)
    async with database.snapshot() as session:
        [(words, status)] = (await session.execute(select(Ticket.text, Ticket.status))).all()
        payloads = [str(p) for p in await session.scalars(select(OutboxMessage.payload))]
    assert words is None
    assert status is TicketStatus.CLOSED
    assert not [p for p in payloads if "groep begint" in p or "paar weken" in p]
    assert closed["text"] == nl("inbox.already_closed", ticket=1)


async def test_a_closed_question_is_forgotten_after_the_retention_period(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    admin = sandbox.add_user("Anna", language_code="en")
    async with inbox_bot(sandbox, database, clock, admin) as runtime:
        carla = await counsellor(sandbox, database, clock)
        saver = sandbox.add_user("Sanne", language_code="nl")
        await enroll(saver, await new_code(database, clock))
        _, ticket = await ask(runtime, saver, carla)
        received, call_me, close = buttons(ticket)
        carla.press(ticket, call_me)  # a canned reply from the protocol
        [canned] = await saver.wait_for_messages(count=1)
        await carla.wait_for_messages(count=1)
        carla.send("/tickets")
        [listed, answered] = await carla.wait_for_messages(count=2)
        carla.send("/groups")
        [overview] = await carla.wait_for_messages(count=1)
        carla.press(ticket, close)
        [closed] = await carla.wait_for_messages(count=1)
        clock.advance(timedelta(days=29))
        await scan_tickets(runtime)
        async with database.snapshot() as session:
            kept = await session.scalar(select(Ticket.text))
        clock.advance(timedelta(days=2))
        await scan_tickets(runtime)
        async with database.snapshot() as session:
            forgotten = await session.scalar(select(Ticket.text))
        carla.send("/tickets")
        [empty] = await carla.wait_for_messages(count=1)
    assert received.startswith("tkt:")
    [call_me_text] = [c.text.nl for c in runtime.trial.protocol.inbox.canned if c.key == "call_me"]
    assert canned["text"] == nl("inbox.named.answer", name="Carla", words=call_me_text)
    assert listed["text"] == nl("inbox.tickets_none"), "an answered question is no longer open"
    assert answered["text"] == nl("inbox.answered_list", tickets="#1")
    assert not said(overview["text"], "inbox.open_overview", within=True)
    assert closed["text"] == nl("inbox.closed", ticket=1)
    assert kept == QUESTION
    assert forgotten is None
    assert empty["text"] == nl("inbox.tickets_none")


async def test_a_control_participant_has_no_counsellor_to_ask(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    admin = sandbox.add_user("Anna", language_code="en")
    async with inbox_bot(sandbox, database, clock, admin, arm="control"):
        carla = await counsellor(sandbox, database, clock)
        saver = sandbox.add_user("Sanne", language_code="nl")
        await enroll(saver, await new_code(database, clock))
        menu = menu_labels(saver.reply_keyboard)
        saver.send(f"/ask {QUESTION}")
        [refusal] = await saver.wait_for_messages(count=1)
        still = carla.messages
    assert menu == [
        nl("menu.saved"),
        nl("menu.took_out"),
        nl("menu.undo"),
        nl("menu.progress"),
        nl("menu.help"),
    ]
    assert refusal["text"].startswith(nl("help.no_counsellor"))  # and what she can do instead
    assert len(still) == 2  # only the invite's welcome and its language question
