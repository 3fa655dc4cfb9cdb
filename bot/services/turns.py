"""One incoming message or button press, taken in one transaction with the answers it causes."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.delivery import ChatType
from bot.db.groups import GroupStatus, PeerGroup
from bot.db.study import Participant, Role, StaffMember
from bot.i18n import Language, language_from_code, plural, text
from bot.outbox import Button, OutboxKind, OutgoingMessage, enqueue
from bot.services.keyboard import menu_for
from bot.services.reachability import person_wrote


@dataclass(frozen=True)
class Incoming:
    """Who wrote, in which update: everything a service needs from Telegram."""

    user_id: int
    first_name: str
    language_code: str | None
    update_id: int
    wrote: bool = False  # a message in the private chat, rather than a button press
    chat_id: int | None = None  # where the update came from; None: the person's private chat
    in_group: bool = False
    # a button press: the message that carried the button, its text and the pressed button's
    # label (to close the question once it is answered)
    pressed_message_id: int | None = None
    pressed_text: str | None = None
    pressed_label: str | None = None


@dataclass(frozen=True)
class StaffDirectory:
    """Who holds which role: staff invited in the database, plus operators from the settings
    (LOTGENOOT_ADMIN_IDS), who are admins without an invite."""

    operators: frozenset[int] = frozenset()

    async def roles_of(self, session: AsyncSession, telegram_user_id: int) -> frozenset[Role]:
        held = set(
            await session.scalars(
                select(StaffMember.role).where(
                    StaffMember.telegram_user_id == telegram_user_id, StaffMember.active
                )
            )
        )
        if telegram_user_id in self.operators:
            held.add(Role.ADMIN)
        return frozenset(held)

    async def admins(self, session: AsyncSession) -> list[int]:
        """Telegram ids of every admin: the operators and the admins invited."""
        invited = await session.scalars(
            select(StaffMember.telegram_user_id).where(
                StaffMember.role == Role.ADMIN, StaffMember.active
            )
        )
        return sorted(self.operators | set(invited))


class PlaceRole(enum.StrEnum):
    """A role held in one place rather than by invite, resolved on the turn."""

    GROUP_COUNSELLOR = "group_counsellor"  # the counsellor of the group the update came from


AnyRole = Role | PlaceRole
# how someone answers for a group: as its counsellor, or as an admin (of every group)
StaffRole = Literal["counsellor", "admin"]


async def counsellor_of(session: AsyncSession, group: PeerGroup, telegram_user_id: int) -> bool:
    """Whether this person is the group's (active) counsellor."""
    if group.counsellor_id is None:
        return False
    counsellor = await session.get(StaffMember, group.counsellor_id)
    return (
        counsellor is not None
        and counsellor.active
        and counsellor.telegram_user_id == (telegram_user_id)
    )


@dataclass
class Turn:
    """The state a service works on during one update, and the messages it queues."""

    session: AsyncSession
    incoming: Incoming
    now: datetime
    participant: Participant | None
    language: Language
    staff: StaffDirectory = field(default_factory=StaffDirectory)
    _replies: int = field(default=0)
    _roles: frozenset[Role] | None = field(default=None)
    # a press this turn turned away (stale, forged): its question stays as it was
    press_refused: bool = field(default=False)
    # a press that left its question open (a tick on a multiple-choice item), shown anew
    question_open: bool = field(default=False)
    # what the closed question shows as the choice, when not the pressed button's label
    choice_label: str | None = field(default=None)

    @property
    def user_id(self) -> int:
        return self.incoming.user_id

    @property
    def chat_id(self) -> int:
        """The chat this update came from: a group, or the person's private chat."""
        return self.incoming.chat_id if self.incoming.chat_id is not None else self.user_id

    async def roles(self) -> frozenset[Role]:
        """The roles of the person behind this update, read once per update."""
        if self._roles is None:
            self._roles = await self.staff.roles_of(self.session, self.user_id)
        return self._roles

    async def holds(self, allowed: Collection[AnyRole]) -> bool:
        """Whether the person holds one of `allowed`, "the counsellor of this group" included."""
        if not (await self.roles()).isdisjoint(allowed):
            return True
        if PlaceRole.GROUP_COUNSELLOR not in allowed:
            return False
        group = await self.group()
        return group is not None and await counsellor_of(self.session, group, self.user_id)

    async def group(self) -> PeerGroup | None:
        """The bound peer group whose chat this update came from (None in a private chat)."""
        if not self.incoming.in_group:
            return None
        return await self.session.scalar(
            select(PeerGroup).where(
                PeerGroup.telegram_chat_id == self.chat_id, PeerGroup.status == GroupStatus.ACTIVE
            )
        )

    async def role_in(self, group: PeerGroup) -> StaffRole | None:
        """'counsellor' for the group's counsellor, 'admin' for admins, None for everyone else."""
        if await counsellor_of(self.session, group, self.user_id):
            return "counsellor"
        return "admin" if Role.ADMIN in await self.roles() else None

    async def refuse(self) -> None:
        """Tell the person this was not theirs to ask: in private, or in the group's own
        language in a group (nothing in a chat that is no bound group)."""
        if not self.incoming.in_group:
            await self.say_text("staff.not_allowed")
            return
        group = await self.group()
        if group is not None:
            words = text(Language(group.language), "moderation.not_allowed")
            await self.say(words, kind=OutboxKind.GROUP_REPLY)

    async def say(
        self,
        words: str,
        *,
        kind: OutboxKind = OutboxKind.REPLY,
        buttons: Sequence[Sequence[Button]] = (),
        document: tuple[str, str] | None = None,
        remove_menu: bool = False,
    ) -> None:
        """Answer in the chat the update came from; sent when the turn's transaction commits.
        `remove_menu` takes the participant's menu of big buttons off their screen."""
        self._replies += 1
        participant_id = self.participant.id if self.participant is not None else None
        message = OutgoingMessage(
            chat_id=self.chat_id,
            chat_type=ChatType.GROUP if self.incoming.in_group else ChatType.PRIVATE,
            text=words,
            kind=kind,
            intent_key=f"{kind}:{self.incoming.update_id}:{self._replies}",
            buttons=buttons,
            participant_id=None if self.incoming.in_group else participant_id,
            document=document,
            reply_keyboard=() if remove_menu else self._menu(kind, buttons, document),
            remove_keyboard=remove_menu,
        )
        await enqueue(self.session, message, self.now, chat_is_talking=not self.incoming.in_group)

    def _menu(
        self, kind: str, buttons: Sequence[Sequence[Button]], document: tuple[str, str] | None
    ) -> tuple[tuple[str, ...], ...]:
        """The participant's menu, on plain replies. Telegram keeps showing it, so receipts
        (confirmation, congratulation) and messages with inline buttons need not carry it."""
        if kind != "reply" or buttons or document is not None or self.incoming.in_group:
            return ()
        return menu_for(self.participant, self.language)

    async def say_text(
        self, key: str, *, buttons: Sequence[Sequence[Button]] = (), **params: object
    ) -> None:
        """Queue the catalogue text `key` in this person's language."""
        if key in REFUSED_PRESS:
            self.press_refused = True
        await self.say(text(self.language, key, **params), buttons=buttons)

    async def close_question(self, choice_label: str | None = None) -> None:
        """Edit the message whose button was pressed: show the choice, remove its buttons.

        Nothing happens when the update was no press on a message with text (a test's turn, a
        press on a message Telegram no longer gives us)."""
        incoming = self.incoming
        if incoming.pressed_message_id is None or not incoming.pressed_text:
            return
        label = choice_label or incoming.pressed_label
        words = (
            incoming.pressed_text
            if not label
            else text(self.language, "button.chosen", question=incoming.pressed_text, choice=label)
        )
        message = OutgoingMessage(
            chat_id=self.chat_id,
            chat_type=ChatType.GROUP if incoming.in_group else ChatType.PRIVATE,
            text=words[:4096],
            kind=OutboxKind.REPLY,
            intent_key=f"close:{incoming.update_id}",
            edit_message_id=incoming.pressed_message_id,
        )
        await enqueue(self.session, message, self.now, chat_is_talking=not incoming.in_group)

    async def update_question(self, words: str, buttons: Sequence[Sequence[Button]]) -> None:
        """Show the pressed question again with new buttons, in place (or anew when the update
        was no press on a message); it stays open."""
        self.question_open = True
        incoming = self.incoming
        if incoming.pressed_message_id is None:
            await self.say(words, buttons=buttons)
            return
        self._replies += 1
        message = OutgoingMessage(
            chat_id=self.chat_id,
            text=words[:4096],
            kind=OutboxKind.REPLY,
            intent_key=f"{OutboxKind.REPLY}:{incoming.update_id}:{self._replies}",
            buttons=buttons,
            edit_message_id=incoming.pressed_message_id,
        )
        await enqueue(self.session, message, self.now, chat_is_talking=True)

    def t(self, key: str, **params: object) -> str:
        return text(self.language, key, **params)

    def plural(self, key: str, count: int, **params: object) -> str:
        """The plural text `key` in the form `count` needs in this person's language."""
        return plural(self.language, key, count, **params)


# answers that turn a press away: the question it belonged to is not closed
REFUSED_PRESS = frozenset(
    {"button.answered", "button.unknown", "button.expired", "button.replaced"}
)

TurnAction = Callable[[Turn], Awaitable[None]]

# built once: every update runs it, and building a statement costs more than SQLite running it
PERSON_WHO_WROTE = select(Participant).where(Participant.telegram_user_id == bindparam("user_id"))


STAFF_LANGUAGE = (
    select(StaffMember.language)
    .where(
        StaffMember.telegram_user_id == bindparam("user_id"),
        StaffMember.active,
        StaffMember.language.is_not(None),
    )
    .order_by(StaffMember.id.desc())
    .limit(1)
)


async def staff_language(session: AsyncSession, telegram_user_id: int) -> Language | None:
    """The language a staff member chose for their views and alerts (None: none chosen)."""
    chosen = await session.scalar(STAFF_LANGUAGE, {"user_id": telegram_user_id})
    return Language(chosen) if chosen else None


STAFF_TELEGRAM_LANGUAGE = (
    select(StaffMember.telegram_language)
    .where(
        StaffMember.telegram_user_id == bindparam("user_id"),
        StaffMember.active,
        StaffMember.telegram_language.is_not(None),
    )
    .order_by(StaffMember.id.desc())
    .limit(1)
)


async def language_for_staff(session: AsyncSession, telegram_user_id: int) -> Language:
    """The language of every message to a staff member, whether they wrote or the bot starts
    it: the one they chose, else their Telegram language (as their own turns use), else
    Dutch. Never the language of the participant a message is about."""
    chosen = await staff_language(session, telegram_user_id)
    if chosen is not None:
        return chosen
    seen = await session.scalar(STAFF_TELEGRAM_LANGUAGE, {"user_id": telegram_user_id})
    return Language(seen) if seen else Language.NL


async def _remember_telegram_language(
    session: AsyncSession, telegram_user_id: int, language: Language
) -> None:
    """Keep a staff member's Telegram language, so messages the bot starts speak it too."""
    await session.execute(
        update(StaffMember)
        .where(
            StaffMember.telegram_user_id == telegram_user_id,
            or_(
                StaffMember.telegram_language.is_(None),
                StaffMember.telegram_language != language.value,
            ),
        )
        .values(telegram_language=language.value)
    )


async def open_turn(
    session: AsyncSession, now: datetime, incoming: Incoming, staff: StaffDirectory
) -> Turn:
    """Load the person behind `incoming` in the caller's transaction, which then commits state
    and replies together."""
    participant = await session.scalar(PERSON_WHO_WROTE, {"user_id": incoming.user_id})
    if incoming.wrote and (participant is None or participant.unreachable_since is not None):
        await person_wrote(session, incoming.user_id)
    if participant is not None:
        language = Language(participant.language)
    else:
        if incoming.language_code:
            await _remember_telegram_language(
                session, incoming.user_id, language_from_code(incoming.language_code)
            )
        chosen = await staff_language(session, incoming.user_id)
        language = chosen or language_from_code(incoming.language_code)
    return Turn(session, incoming, now, participant, language, staff)


async def take_turn(
    session: AsyncSession,
    now: datetime,
    incoming: Incoming,
    action: TurnAction,
    staff: StaffDirectory | None = None,
) -> None:
    """Run `action` for `incoming` in the caller's transaction (the runner's, or a test's that
    needs to hold one open)."""
    await action(await open_turn(session, now, incoming, staff or StaffDirectory()))
