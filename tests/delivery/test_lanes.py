"""Priority lanes: replies before broadcasts, each chat in order, no lane starved; calls apart."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from bot.clock import FakeClock
from bot.db.delivery import ChatType, OutboxMessage, OutboxStatus, UnreachableChat
from bot.db.engine import Database
from bot.outbox import OutboxKind, OutgoingCall, OutgoingMessage, Priority, enqueue
from bot.outbox.messages import KIND_PRIORITY, LANE_GRACE
from bot.outbox.outcomes import Delivered, Outcome, Unreachable
from bot.outbox.sender import OutboxSender, SenderSettings
from bot.outbox.store import ClaimedMessage
from bot.services.participants.nudges import NUDGE_KINDS
from tests.conftest import ENGINES

pytestmark = pytest.mark.parametrize("database_url", ENGINES, indirect=True)

FAST = SenderSettings(global_per_second=1000, private_interval_s=0, batch_size=10)
ROOT = Path(__file__).resolve().parents[2]


class Recording:
    """Delivers everything, remembering the order of (chat, text or method)."""

    def __init__(self, answers: dict[str, Outcome] | None = None) -> None:
        self.sent: list[tuple[int, str]] = []
        self.answers = answers or {}
        self.arrived: dict[str, asyncio.Event] = defaultdict(asyncio.Event)

    async def deliver(self, method: str, chat_id: int, payload: dict[str, Any]) -> Outcome:
        what = payload.get("text", method)
        self.sent.append((chat_id, what))
        self.arrived[what].set()
        return self.answers.get(what, Delivered(message_id=len(self.sent)))


def say(chat_id: int, key: str, kind: str, **kwargs: Any) -> OutgoingMessage:
    return OutgoingMessage(
        chat_id=chat_id, text=key, kind=OutboxKind(kind), intent_key=key, **kwargs
    )


async def put(
    database: Database, clock: FakeClock, *messages: OutgoingMessage | OutgoingCall
) -> None:
    async with database.transaction() as session:
        for message in messages:
            await enqueue(session, message, clock.now())


async def test_a_reply_queued_after_200_bulk_rows_is_sent_before_them(
    database: Database, clock: FakeClock
) -> None:
    await put(database, clock, *(say(1000 + n, f"bulk {n}", "broadcast") for n in range(200)))
    clock.advance(timedelta(seconds=1))
    await put(database, clock, say(7, "your answer", "reply"))
    transport = Recording()
    await OutboxSender(database, transport, clock, settings=FAST).deliver_due()
    assert len(transport.sent) == 201
    assert transport.sent[0] == (7, "your answer")


async def test_a_reply_overtakes_its_own_chats_queued_bulk_rows(
    database: Database, clock: FakeClock
) -> None:
    await put(database, clock, say(7, "bulk a", "broadcast"), say(7, "bulk b", "broadcast"))
    await put(database, clock, say(7, "nudge", "reminder"), say(7, "your answer", "reply"))
    transport = Recording()
    await OutboxSender(database, transport, clock, settings=FAST).deliver_due()
    assert [text for _, text in transport.sent] == ["your answer", "nudge", "bulk a", "bulk b"]


async def test_within_a_lane_a_chats_messages_keep_their_order(
    database: Database, clock: FakeClock
) -> None:
    queued = []
    for n in range(30):  # two chats, interleaved, with other lanes in between
        queued.append(say(1 + n % 2, f"reply {n}", "reply"))
        queued.append(say(1 + n % 2, f"post {n}", "group_progress"))
    await put(database, clock, *queued)
    transport = Recording()
    await OutboxSender(database, transport, clock, settings=FAST).deliver_due()
    for chat in (1, 2):
        said = [text for to, text in transport.sent if to == chat]
        replies = [text for text in said if text.startswith("reply")]
        posts = [text for text in said if text.startswith("post")]
        assert replies == [f"reply {n}" for n in range(30) if 1 + n % 2 == chat]
        assert posts == [f"post {n}" for n in range(30) if 1 + n % 2 == chat]
        assert said == replies + posts  # the lane first, then the lower one, each in order


async def test_a_bulk_row_waits_behind_newer_replies_only_for_its_lanes_grace(
    database: Database, clock: FakeClock
) -> None:
    grace = LANE_GRACE[Priority.BULK]
    await put(database, clock, say(1, "old post", "group_progress"))
    clock.advance(grace - timedelta(seconds=1))
    await put(database, clock, *(say(100 + n, f"reply {n}", "reply") for n in range(5)))
    clock.advance(timedelta(seconds=2))  # now the post has waited longer than its grace
    await put(database, clock, *(say(200 + n, f"later {n}", "reply") for n in range(5)))
    transport = Recording()
    await OutboxSender(database, transport, clock, settings=FAST).deliver_due()
    order = [text for _, text in transport.sent]
    # replies queued within the grace go first; the post goes before every reply after it
    assert order.index("old post") == 5
    assert all(order.index(f"reply {n}") < 5 for n in range(5))
    assert all(order.index(f"later {n}") > 5 for n in range(5))
    assert grace <= timedelta(hours=1)  # the bound on a starved row's wait, beyond the backlog


async def test_every_kind_the_bot_sends_has_its_lane_and_every_row_a_priority(
    database: Database, clock: FakeClock
) -> None:
    # every kind the bot sends is an OutboxKind (mypy holds the writers to it), and each has a lane
    assert sorted(set(OutboxKind) - set(KIND_PRIORITY)) == []
    assert set(NUDGE_KINDS) <= set(OutboxKind)
    await put(
        database,
        clock,
        say(1, "a", "reply"),
        say(2, "b", "survey_invitation"),
        say(3, "c", "curriculum", chat_type=ChatType.GROUP),
        say(4, "d", "curriculum", priority=Priority.REPLY),
        OutgoingCall(
            chat_id=-5,
            method="pinChatMessage",
            params={"message_id": 1},
            kind=OutboxKind.MODERATION,
            intent_key="e",
        ),
    )
    async with database.transaction() as session:
        rows = dict((await session.execute(select(M.intent_key, M.priority))).all())
    assert rows == {"a": 1, "b": 2, "c": 3, "d": 1, "e": 1}
    with pytest.raises(IntegrityError):  # a row without a priority cannot exist
        async with database.transaction() as session:
            await session.execute(
                insert(M).values(
                    intent_key="f",
                    chat_id=6,
                    chat_type=ChatType.PRIVATE,
                    method="sendMessage",
                    payload={},
                    kind="reply",
                    status=OutboxStatus.PENDING,
                    not_before=clock.now(),
                    rank_at=clock.now(),
                    attempts=0,
                    created_at=clock.now(),
                )
            )


M = OutboxMessage


async def test_a_refused_call_ends_only_itself_and_never_silences_the_chat(
    database: Database, clock: FakeClock
) -> None:
    group = -100123
    refused = Unreachable("Forbidden: not enough rights to restrict/unrestrict chat member")
    transport = Recording({"restrictChatMember": refused})
    ended: list[tuple[str, Outcome]] = []

    async def follow_up(
        _session: object, message: ClaimedMessage, outcome: Outcome, _now: object
    ) -> None:
        ended.append((message.method, outcome))

    await put(
        database,
        clock,
        OutgoingCall(
            chat_id=group,
            method="restrictChatMember",
            params={"user_id": 5, "permissions": "none"},
            kind=OutboxKind.MODERATION,
            intent_key="mute",
        ),
        say(group, "muted for an hour", "group_reply", chat_type=ChatType.GROUP),
        say(group, "later post", "group_progress", chat_type=ChatType.GROUP),
    )
    sender = OutboxSender(
        database, transport, clock, settings=FAST, follow_ups={"moderation": follow_up}
    )
    await sender.deliver_due()
    assert [what for _, what in transport.sent] == [
        "restrictChatMember",
        "muted for an hour",
        "later post",
    ]
    assert ended == [("restrictChatMember", refused)]
    async with database.transaction() as session:
        rows = dict((await session.execute(select(M.intent_key, M.status))).all())
        unreachable = await session.scalar(select(UnreachableChat.chat_id))
    assert rows["mute"] is OutboxStatus.FAILED
    assert rows["muted for an hour"] is OutboxStatus.SENT
    assert rows["later post"] is OutboxStatus.SENT
    assert unreachable is None


async def test_a_call_is_not_held_back_by_the_groups_message_limit(
    database: Database, clock: FakeClock
) -> None:
    group = -100456
    settings = SenderSettings(
        global_per_second=1000, private_interval_s=0, group_per_minute=1, shutdown_grace_s=0.1
    )
    transport = Recording()
    await put(database, clock, say(group, "first", "group_reply", chat_type=ChatType.GROUP))
    sender = OutboxSender(database, transport, clock, settings=settings)
    assert await sender.deliver_due() == 1  # the group's one message this minute
    await put(
        database,
        clock,
        OutgoingCall(
            chat_id=group,
            method="approveChatJoinRequest",
            params={"user_id": 5},
            kind=OutboxKind.JOIN_REQUEST,
            intent_key="approve",
        ),
        OutgoingCall(
            chat_id=group,
            method="pinChatMessage",
            params={"message_id": 1},
            kind=OutboxKind.MODERATION,
            intent_key="pin",
        ),
    )
    stop = asyncio.Event()
    running = asyncio.create_task(sender.run(stop))
    try:
        # a message would wait a minute for the group's window; the calls go at once
        await asyncio.wait_for(transport.arrived["pinChatMessage"].wait(), timeout=5)
    finally:
        stop.set()
        await running
    assert [what for _, what in transport.sent] == [
        "first",
        "approveChatJoinRequest",
        "pinChatMessage",
    ]


async def test_a_calls_result_is_recorded_and_its_follow_up_queued_in_the_same_transaction(
    database: Database, clock: FakeClock
) -> None:
    group = -100789
    link = "https://t.me/+abc"
    transport = Recording({"createChatInviteLink": Delivered(None, {"invite_link": link})})

    async def send_link(session: Any, message: ClaimedMessage, outcome: Outcome, now: Any) -> None:
        assert isinstance(outcome, Delivered)
        assert outcome.result is not None
        member = message.payload["_context"]["member"]
        await enqueue(session, say(member, outcome.result["invite_link"], "group_link"), now)

    await put(
        database,
        clock,
        OutgoingCall(
            chat_id=group,
            method="createChatInviteLink",
            params={"name": "A1", "creates_join_request": True},
            kind=OutboxKind.GROUP_INVITE_LINK,
            intent_key="link",
            context={"member": 42},
        ),
    )
    sender = OutboxSender(
        database, transport, clock, settings=FAST, follow_ups={"group_invite_link": send_link}
    )
    await sender.settle()
    assert transport.sent == [(group, "createChatInviteLink"), (42, link)]
    async with database.transaction() as session:
        call = await session.scalar(select(M).where(M.intent_key == "link"))
    assert call is not None
    assert call.status is OutboxStatus.SENT
    assert call.payload == {}  # a call's parameters (a person's id) are not kept once done
