"""Every call these tests make into the peer-group services, made the way the bot makes it.

Updates run as a turn of the use-case runner, with the service call the handler makes
(bot/handlers/group.py, counsellor.py, participant.py); scans run as the scheduler runs them
(`scan_groups`); a call that has ended (a join link, a mute, a post) runs the follow-up the
outbox sender runs for its kind. Services that handle an update take `(turn, trial, …)`, as
the handlers pass them to the runner; scans take `(session, trial, now)`.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, TypeVarTuple

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.delivery import OutboxMessage
from bot.db.study import Participant, Role
from bot.outbox import store
from bot.outbox.endings import FollowUp
from bot.outbox.outcomes import Delivered, Outcome
from bot.runtime import Runtime
from bot.scheduler import scan_groups
from bot.services import directory
from bot.services.counsellor_inbox import desk
from bot.services.participants import activity, conversation, corrections, guide, participation
from bot.services.peer_groups import (
    binding,
    chat_activity,
    checkin,
    checkin_taps,
    cycle,
    digest,
    follow,
    group_goal,
    membership,
    moderation,
    outcomes,
    pools,
    sanctions,
)
from bot.services.peer_groups.binding import REQUIRED_RIGHTS, BotStanding
from bot.services.peer_groups.ownership import ChatOwner
from bot.services.staff import commands, counsellor_desk, profile
from bot.services.trial import Trial
from bot.services.turns import AnyRole, Incoming, PlaceRole, Turn
from bot.settings import Settings

if TYPE_CHECKING:
    from tests.services.peer_groups.world import Peer, World

STAFF = (Role.COUNSELLOR, Role.ADMIN)  # who may use the counsellor's commands
GROUP_STAFF = (PlaceRole.GROUP_COUNSELLOR, Role.ADMIN)  # who may moderate a group
FULL_RIGHTS = BotStanding(True, frozenset(REQUIRED_RIGHTS))
_update_ids = itertools.count(60_000)
Ts = TypeVarTuple("Ts")


async def _turn(
    world: World,
    user_id: int,
    service: Callable[[Turn, Trial, *Ts], Awaitable[None]],
    *args: *Ts,
    chat_id: int | None = None,
    first_name: str = "Sanne",
    roles: Collection[AnyRole] = (),
    update_id: int | None = None,
) -> int:
    """One update from `user_id` (in group `chat_id`, or their private chat) through the runner;
    returns its update id, which names the replies it queued."""
    update_id = next(_update_ids) if update_id is None else update_id
    incoming = Incoming(
        user_id,
        first_name,
        "nl",
        update_id,
        wrote=chat_id is None,
        chat_id=chat_id,
        in_group=chat_id is not None,
    )
    await world.runner.run(incoming, service, *args, claim=update_id, roles=roles)
    return update_id


# the intake's last step (bot/services/participants/intake.py)


async def enter_pool(
    session: AsyncSession, participant: Participant, trial: Trial, now: datetime
) -> bool:
    return await pools.enter_pool(session, participant, trial, now, tell=False)


# the scheduler (bot/scheduler/__init__.py)


async def scan(world: World) -> None:
    """One tick of the scheduler's group job: formation, counsellors, pool updates, join
    reminders, group posts and admin alerts."""
    await scan_groups(Runtime(_settings(), world.database, world.clock, world.trial))


@cache
def _settings() -> Settings:
    """The settings a runtime holds (a scan reads the staff from the trial), made once:
    reading them costs a few ms."""
    return Settings(_env_file=None)


# the outbox sender, when a call has ended (bot/outbox/endings.py, follow-ups from bot/app.py)


# what the sender runs when a row of these kinds has ended, as bot/app.py wires it
_FOLLOW_UPS: dict[str, FollowUp] = {
    binding.LINK_KIND: binding.invite_link_ended,
    sanctions.CALL_KIND: sanctions.call_ended,
    outcomes.POST_KIND: outcomes.post_ended,
    cycle.FAREWELL_KIND: cycle.farewell_ended,
    **dict.fromkeys(checkin.POST_KINDS, checkin.post_ended),
    group_goal.POST_KIND: group_goal.post_ended,
}


async def calls_ended(world: World, endings: Sequence[tuple[int, Outcome]]) -> None:
    """Record how calls (outbox ids) ended and run each one's follow-up, in one transaction,
    as the sender records a batch of endings."""
    now = world.clock.now()
    async with world.database.transaction() as session:
        ended = [
            (await _claimed(session, outbox_id, now), outcome) for outbox_id, outcome in endings
        ]
        delivered = [
            store.Sent(message, outcome.message_id, 1)
            for message, outcome in ended
            if isinstance(outcome, Delivered)
        ]
        await store.mark_sent(session, delivered, now=now)
        for message, outcome in ended:
            if not isinstance(outcome, Delivered):
                await store.mark_failed(session, message, reason=repr(outcome), tries=1)
        for message, outcome in ended:
            await _FOLLOW_UPS[message.kind](session, message, outcome, now)


async def _claimed(session: AsyncSession, outbox_id: int, now: datetime) -> store.ClaimedMessage:
    """A row as the sender holds it while Telegram carries it out."""
    row = await session.get(OutboxMessage, outbox_id)
    assert row is not None
    return store.ClaimedMessage(
        row.id, row.chat_id or 0, row.chat_type, row.method, dict(row.payload),
        row.participant_id, row.kind, now, row.priority, row.rank_at,
    )  # fmt: skip


# group chats (bot/handlers/group.py)


async def bind(
    world: World,
    user_id: int,
    chat_id: int,
    code: str | None,
    *,
    supergroup: bool = True,
    standing: BotStanding = FULL_RIGHTS,
) -> int:
    """/bind <code> in a group whose bot has `standing`; without a code, a bare /bind."""
    request = binding.BindRequest(code, supergroup, standing if code is not None else None)
    return await _turn(world, user_id, binding.bind, request, chat_id=chat_id)


async def request_join(world: World, chat_id: int, user_id: int) -> int:
    """Someone asks to join the group's chat with a link."""
    return await _turn(world, user_id, membership.decide_join, chat_id=chat_id)


async def member_changed(
    world: World, chat_id: int, member: Peer, change: membership.Change
) -> int:
    """Telegram says `member` joined, left, or was removed from the chat."""
    changed = membership.MemberChange(member.user_id, member.first_name, change)
    return await _turn(world, member.user_id, membership.member_changed, changed, chat_id=chat_id)


async def bot_standing_changed(
    world: World, chat_id: int, by: int, *, present: bool, missing_rights: bool
) -> int:
    """The bot was taken out of the chat, or its admin rights changed, by `by`."""
    change = follow.BotChange(present, missing_rights)
    return await _turn(world, by, follow.bot_standing_changed, change, chat_id=chat_id)


async def group_message(world: World, chat_id: int, user_id: int, message_id: int) -> int:
    """Someone writes a message in the group (counted, never kept)."""
    message = chat_activity.GroupMessage(message_id, world.clock.now())
    return await _turn(world, user_id, chat_activity.group_message, message, chat_id=chat_id)


async def moderate(
    world: World,
    act: moderation.Act,
    chat_id: int,
    user_id: int,
    target: Peer,
    *,
    message_id: int = 1,
    args: tuple[str, ...] = (),
) -> int:
    """`/<act> [args]` from `user_id`, as a reply to `target`'s message `message_id`."""
    update_id = next(_update_ids)
    command = moderation.GroupCommand(
        chat_id, user_id, update_id, message_id + 1, world.clock.now(),
        target.user_id, message_id, None, args, target.first_name,
    )  # fmt: skip
    return await _turn(
        world, user_id, moderation.moderate, act, command,
        chat_id=chat_id, roles=GROUP_STAFF, update_id=update_id,
    )  # fmt: skip


async def checkin_tap(
    world: World, chat_id: int, user_id: int, data: str, *, query_id: str = "tap"
) -> int:
    """A tap on a check-in button (its callback data) in the group's chat; the handler hands
    the service the tap's id (to answer it) and its data."""
    return await _turn(world, user_id, checkin_taps.tap, query_id, data, chat_id=chat_id)


async def rules(world: World, chat_id: int, user_id: int) -> int:
    return await _turn(world, user_id, chat_activity.rules, chat_id=chat_id)


# the counsellor's private chat (bot/handlers/counsellor.py)


async def post(world: World, user_id: int, group_id: int, words: str) -> int:
    """/post <group> <words>."""
    return await _turn(world, user_id, counsellor_desk.post, group_id, words, roles=STAFF)


async def press_suggestion(world: World, user_id: int, data: str) -> int:
    """The button under a weekly digest (or the closing week's note)."""
    return await _turn(world, user_id, digest.send_suggestion, data, roles=STAFF)


async def rename(world: World, user_id: int, name: str | None) -> int:
    """/name [display name], from any staff member."""
    return await _turn(world, user_id, profile.rename, name, roles=tuple(Role))


async def show_group(world: World, user_id: int, group_id: int) -> int:
    """/group <id>, from its counsellor or an admin."""
    return await _turn(world, user_id, counsellor_desk.show_group, group_id, {}, roles=STAFF)


async def assign(world: World, user_id: int, group_id: int, staff_id: int) -> int:
    """/assign <group> <counsellor>, from an admin."""
    return await _turn(
        world, user_id, counsellor_desk.assign, group_id, staff_id, roles=(Role.ADMIN,)
    )


async def ticket_button(world: World, user_id: int, data: str) -> int:
    """A canned-reply or close button under a question (bot/handlers/inbox.py)."""
    return await _turn(world, user_id, desk.press, data, roles=STAFF)


async def accept_invite(world: World, user_id: int, token: str, first_name: str) -> int:
    """Someone opens a staff invite link (/start <token>), as Telegram's `first_name`."""

    async def accepting(turn: Turn, _trial: Trial) -> None:
        await directory.accept_invite(turn, token)

    return await _turn(world, user_id, accepting, first_name=first_name)


# the admin's private chat (bot/handlers/admin.py)


async def staff_remove(
    world: World, user_id: int, args: tuple[str, ...], owners: Mapping[int, ChatOwner]
) -> int:
    """/staff_remove <telegram id> [role], with what Telegram said about each group's owner
    (the handler reads it before the turn)."""
    return await _turn(world, user_id, commands.remove, args, owners, roles=(Role.ADMIN,))


# the participant's private chat (bot/handlers/participant.py)


async def press(world: World, peer: Peer, data: str) -> int:
    """A tap on one of the bot's inline buttons in the private chat."""
    return await _turn(world, peer.user_id, conversation.press, data)


async def pause(world: World, peer: Peer) -> int:
    return await _turn(world, peer.user_id, participation.pause)


async def stop(world: World, peer: Peer) -> int:
    return await _turn(world, peer.user_id, participation.stop)


async def resume(world: World, peer: Peer) -> int:
    return await _turn(world, peer.user_id, participation.resume)


async def deposit(world: World, peer: Peer, typed: str) -> int:
    """/deposit <amount>, from a member (whose first name the update carries)."""
    return await _turn(world, peer.user_id, activity.deposit, typed, first_name=peer.first_name)


async def ask(world: World, peer: Peer, question: str) -> int:
    """/ask <question>: a member's question for their counsellor."""
    return await _turn(world, peer.user_id, guide.ask_counsellor, question)


async def applied(world: World, peer: Peer, count: str) -> int:
    """/applied <count>, from a jobseeker."""
    return await _turn(world, peer.user_id, activity.action, "applied", count)


async def undo(world: World, peer: Peer) -> int:
    """↩️ Undo: the bot names the member's last entry and asks to take it back."""
    return await _turn(world, peer.user_id, corrections.offer)
