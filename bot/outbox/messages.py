"""What a service says it wants to send or do, in plain data (no Telegram types).

Two kinds of row leave through the outbox: messages (`OutgoingMessage`: sendMessage,
sendDocument) and Bot API calls that are not messages (`OutgoingCall`: approving a join
request, restricting or banning a member, pinning, deleting, making an invite link). Every row
has a priority lane; the claim takes due rows by lane, then by age (bot.outbox.store).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.db.delivery import ChatType


class Priority(enum.IntEnum):
    """The outbox's lanes, highest first."""

    REPLY = 1  # a direct answer to what a person just did; every non-message call
    PERSONAL = 2  # a personal nudge, survey invitation, ticket answer, staff alert
    BULK = 3  # group posts and broadcasts


# How long a row waits before it ranks as if it were in the highest lane: it is claimed after
# every reply queued up to this long after it became due, and before any queued later. This
# bounds how long a lower lane can be held up by a stream of higher-lane rows (no starvation),
# and is longer than a broadcast to thousands takes to drain at Telegram's 30/s, so replies
# still overtake a whole broadcast.
LANE_GRACE: Mapping[Priority, timedelta] = {
    Priority.REPLY: timedelta(0),
    Priority.PERSONAL: timedelta(minutes=10),
    Priority.BULK: timedelta(minutes=30),
}


class OutboxKind(enum.StrEnum):
    """What a row in the outbox is for: its lane (KIND_PRIORITY), and what `lotgenoot status`
    counts.

    Stored as its string in `outbox.kind`.
    """

    REPLY = "reply"
    ERROR = "error"
    CONGRATULATION = "congratulation"
    CONFIRMATION = "confirmation"
    GROUP_REPLY = "group_reply"
    GROUP_BOUND = "group_bound"
    REPORT_THANKS = "report_thanks"
    JOIN_REQUEST = "join_request"
    MODERATION = "moderation"
    GROUP_INVITE_LINK = "group_invite_link"
    COMMANDS = "commands"
    REMINDER = "reminder"
    ENCOURAGEMENT = "encouragement"
    SURVEY_INVITATION = "survey_invitation"
    SURVEY_REMINDER = "survey_reminder"
    PROMPT = "prompt"
    TICKET_ANSWER = "ticket_answer"
    GROUP_LINK = "group_link"
    GROUP_READY = "group_ready"
    GROUP_ALERT = "group_alert"
    GROUP_REPORT = "group_report"
    GROUP_DECLINED = "group_declined"
    ADMIN_ALERT = "admin_alert"
    TICKET = "ticket"
    TICKET_REMINDER = "ticket_reminder"
    TICKET_ESCALATION = "ticket_escalation"
    TICKET_ADDED = "ticket_added"
    POOL_UPDATE = "pool_update"
    POOL_PLACEMENT = "pool_placement"
    JOIN_REMINDER = "join_reminder"
    MODERATION_NOTE = "moderation_note"
    GROUP_WELCOME = "group_welcome"
    GROUP_PROGRESS = "group_progress"
    CURRICULUM = "curriculum"
    PROGRESS_SHARED = "progress_shared"
    COUNSELLOR_POST = "counsellor_post"
    COUNSELLOR_DIGEST = "counsellor_digest"
    GROUP_CYCLE = "group_cycle"
    GROUP_FAREWELL = "group_farewell"
    GROUP_LEAVE = "group_leave"
    GROUP_ENDED = "group_ended"
    ERASURE_EDIT = "erasure_edit"
    BROADCAST = "broadcast"
    # a peer group's opt-in ingredients (bot.services.peer_groups: sharing, buddies, hosting)
    TOGETHER_INVITE = "together_invite"
    BUDDY_NEWS = "buddy_news"
    BUDDY_LINE = "buddy_line"
    BUDDY_CHEER = "buddy_cheer"
    HOST_TOPIC = "host_topic"
    HOST_POST = "host_post"
    CHECKIN_PLAN = "checkin_plan"
    CHECKIN_REVIEW = "checkin_review"
    CHECKIN_EDIT = "checkin_edit"
    CHECKIN_TOAST = "checkin_toast"
    GROUP_GOAL = "group_goal"
    GROUP_GOAL_EDIT = "group_goal_edit"
    GROUP_GOAL_PIN = "group_goal_pin"
    GROUP_GOAL_REACHED = "group_goal_reached"
    INTERVENTION_END = "intervention_end"  # told once: what continues after the end, how to stop
    RETENTION_QUESTION = "retention_question"  # "do you still have this work?"
    # the mechanism components: the curriculum without a group, sent to one person; the
    # counsellor's check-in (the prompt with a draft to the counsellor, and what they sent)
    PRIVATE_TOPIC = "private_topic"
    OUTREACH_PROMPT = "outreach_prompt"
    OUTREACH = "outreach"


# The lane of every kind the bot sends; a test holds every OutboxKind to a lane, so a new kind
# gets its lane on purpose.
KIND_PRIORITY: Mapping[OutboxKind, Priority] = {
    # answers to a command, a button or a join: the person is waiting for them
    OutboxKind.REPLY: Priority.REPLY,
    OutboxKind.ERROR: Priority.REPLY,
    OutboxKind.CONGRATULATION: Priority.REPLY,
    OutboxKind.CONFIRMATION: Priority.REPLY,
    OutboxKind.GROUP_REPLY: Priority.REPLY,
    OutboxKind.GROUP_BOUND: Priority.REPLY,
    OutboxKind.REPORT_THANKS: Priority.REPLY,
    # calls that are not messages (their lane is REPLY whatever the kind)
    OutboxKind.JOIN_REQUEST: Priority.REPLY,
    OutboxKind.MODERATION: Priority.REPLY,
    OutboxKind.GROUP_INVITE_LINK: Priority.REPLY,
    OutboxKind.COMMANDS: Priority.REPLY,
    OutboxKind.GROUP_LEAVE: Priority.REPLY,  # the bot leaves a closed group's chat
    OutboxKind.CHECKIN_TOAST: Priority.REPLY,  # "Genoteerd" on a member's check-in tap
    OutboxKind.GROUP_GOAL_PIN: Priority.REPLY,
    # personal messages nobody asked for just now
    OutboxKind.REMINDER: Priority.PERSONAL,
    OutboxKind.ENCOURAGEMENT: Priority.PERSONAL,
    OutboxKind.SURVEY_INVITATION: Priority.PERSONAL,
    OutboxKind.SURVEY_REMINDER: Priority.PERSONAL,
    OutboxKind.PROMPT: Priority.PERSONAL,  # a micro-randomized check-in
    OutboxKind.TICKET_ANSWER: Priority.PERSONAL,
    OutboxKind.GROUP_LINK: Priority.PERSONAL,
    OutboxKind.GROUP_READY: Priority.PERSONAL,
    OutboxKind.GROUP_ALERT: Priority.PERSONAL,
    OutboxKind.GROUP_REPORT: Priority.PERSONAL,
    OutboxKind.GROUP_DECLINED: Priority.PERSONAL,
    OutboxKind.ADMIN_ALERT: Priority.PERSONAL,
    OutboxKind.TICKET: Priority.PERSONAL,  # a participant's question, to their counsellor
    OutboxKind.TICKET_REMINDER: Priority.PERSONAL,
    OutboxKind.TICKET_ESCALATION: Priority.PERSONAL,
    OutboxKind.TICKET_ADDED: Priority.PERSONAL,  # a question added to an open ticket
    OutboxKind.POOL_UPDATE: Priority.PERSONAL,  # "still waiting": the least urgent of all
    OutboxKind.POOL_PLACEMENT: Priority.PERSONAL,  # placed past the wait limit, or cannot be
    OutboxKind.JOIN_REMINDER: Priority.PERSONAL,
    OutboxKind.MODERATION_NOTE: Priority.PERSONAL,
    OutboxKind.COUNSELLOR_DIGEST: Priority.PERSONAL,  # a counsellor's weekly digest of a group
    OutboxKind.GROUP_ENDED: Priority.PERSONAL,  # a group that never started has ended
    OutboxKind.TOGETHER_INVITE: Priority.PERSONAL,  # what a member may choose in their group
    OutboxKind.BUDDY_NEWS: Priority.PERSONAL,  # a buddy found, or a buddy who stopped
    OutboxKind.BUDDY_LINE: Priority.PERSONAL,  # the week's line about one's buddy
    OutboxKind.BUDDY_CHEER: Priority.PERSONAL,  # an encouragement a buddy chose to send
    OutboxKind.HOST_TOPIC: Priority.PERSONAL,  # the week's topic, to its host
    OutboxKind.INTERVENTION_END: Priority.PERSONAL,
    OutboxKind.RETENTION_QUESTION: Priority.PERSONAL,
    OutboxKind.PRIVATE_TOPIC: Priority.PERSONAL,  # the week's topic, to one person
    OutboxKind.OUTREACH_PROMPT: Priority.PERSONAL,  # "time to check in with P12", to staff
    OutboxKind.OUTREACH: Priority.PERSONAL,  # the counsellor's check-in, to the participant
    # group posts and broadcasts
    OutboxKind.GROUP_WELCOME: Priority.BULK,
    OutboxKind.GROUP_PROGRESS: Priority.BULK,
    OutboxKind.CURRICULUM: Priority.BULK,
    OutboxKind.PROGRESS_SHARED: Priority.BULK,  # a member's steps, by the name they chose
    OutboxKind.HOST_POST: Priority.BULK,  # the week's topic, posted for its host
    OutboxKind.COUNSELLOR_POST: Priority.BULK,
    OutboxKind.GROUP_CYCLE: Priority.BULK,  # the cycle's mid-point and closing week
    OutboxKind.GROUP_FAREWELL: Priority.BULK,  # the last post, before the bot leaves
    OutboxKind.ERASURE_EDIT: Priority.BULK,  # a group message edited after /delete took a name out
    OutboxKind.BROADCAST: Priority.BULK,
    # the weekly check-in and group goal: posts, and edits of them as answers and progress come
    OutboxKind.CHECKIN_PLAN: Priority.BULK,
    OutboxKind.CHECKIN_REVIEW: Priority.BULK,
    OutboxKind.CHECKIN_EDIT: Priority.BULK,
    OutboxKind.GROUP_GOAL: Priority.BULK,
    OutboxKind.GROUP_GOAL_EDIT: Priority.BULK,
    OutboxKind.GROUP_GOAL_REACHED: Priority.BULK,
}

# Bot API methods that send a message; every other method the outbox performs is a call.
MESSAGE_METHODS = frozenset({"sendMessage", "sendDocument", "editMessageText"})


def priority_of(kind: OutboxKind) -> Priority:
    """The lane of a message of this kind."""
    return KIND_PRIORITY.get(kind, Priority.PERSONAL)


def is_message(method: str) -> bool:
    return method in MESSAGE_METHODS


@dataclass(frozen=True)
class Button:
    """An inline button: what it says and the callback data it sends back."""

    label: str
    data: str


@dataclass(frozen=True)
class OutgoingMessage:
    """A text for one chat; `intent_key` names the intention so it is sent at most once.

    Its lane is `priority` when given (a turn's replies say REPLY whatever their kind), else
    the lane of its kind.
    """

    chat_id: int
    text: str
    kind: OutboxKind
    intent_key: str
    chat_type: ChatType = ChatType.PRIVATE
    buttons: Sequence[Sequence[Button]] = field(default_factory=tuple)
    participant_id: int | None = None
    not_before: datetime | None = None
    # a persistent menu of big buttons (labels, rows); a message with inline buttons cannot
    # carry it as well, and Telegram keeps showing the last one sent
    reply_keyboard: Sequence[Sequence[str]] = field(default_factory=tuple)
    # take that menu away (after /delete: nothing of the study should stay on their screen)
    remove_keyboard: bool = False
    document: tuple[str, str] | None = (
        None  # (file name, UTF-8 content), sent with `text` as caption
    )
    priority: Priority | None = None
    # the message this one answers (Telegram shows it quoted), in the same chat
    reply_to_message_id: int | None = None
    # Bot API MessageEntity objects, such as a text_mention naming a member by first name
    entities: Sequence[Mapping[str, Any]] = field(default_factory=tuple)
    # editMessageText of this earlier message of the bot (its inline buttons are removed)
    edit_message_id: int | None = None
    # kept beside the text for the follow-up of its kind (as a call's), never sent to Telegram
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def method(self) -> str:
        if self.edit_message_id is not None:
            return "editMessageText"
        return "sendMessage" if self.document is None else "sendDocument"

    @property
    def lane(self) -> Priority:
        return self.priority if self.priority is not None else priority_of(self.kind)

    def payload(self) -> dict[str, Any]:
        """The Bot API parameters of sendMessage, without chat_id (kept in its own column)."""
        if self.document is not None:
            filename, content = self.document
            return {"filename": filename, "content": content, "caption": self.text}
        payload: dict[str, Any] = {"text": self.text}
        if self.context:
            payload[CONTEXT_KEY] = dict(self.context)
        if self.reply_to_message_id is not None:
            payload["reply_parameters"] = {
                "message_id": self.reply_to_message_id,
                "allow_sending_without_reply": True,  # the message may be deleted meanwhile
            }
        if self.entities:
            payload["entities"] = [dict(entity) for entity in self.entities]
        if self.edit_message_id is not None:
            payload["message_id"] = self.edit_message_id
            if self.buttons:  # editMessageText takes only an inline keyboard
                payload["reply_markup"] = _inline(self.buttons)
            return payload
        if self.buttons:
            payload["reply_markup"] = _inline(self.buttons)
        elif self.reply_keyboard:
            payload["reply_markup"] = {
                "keyboard": [[{"text": label} for label in row] for row in self.reply_keyboard],
                "is_persistent": True,
                "resize_keyboard": True,
            }
        elif self.remove_keyboard:
            payload["reply_markup"] = {"remove_keyboard": True}
        return payload


def _inline(buttons: Sequence[Sequence[Button]]) -> dict[str, Any]:
    return {
        "inline_keyboard": [
            [{"text": button.label, "callback_data": button.data} for button in row]
            for row in buttons
        ]
    }


# The calls the outbox performs (bot.outbox.telegram_transport), with the parameters each takes.
CALL_METHODS = frozenset(
    {
        "approveChatJoinRequest",  # user_id
        "declineChatJoinRequest",  # user_id
        "restrictChatMember",  # user_id, permissions ("none" | "all"), until_date (epoch s)
        "banChatMember",  # user_id
        "unbanChatMember",  # user_id
        "pinChatMessage",  # message_id
        "unpinChatMessage",  # message_id
        "answerCallbackQuery",  # callback_query_id, text: the toast a tap gets
        "deleteMessage",  # message_id
        "createChatInviteLink",  # name, creates_join_request; result: invite_link
        "setMyCommands",  # commands [{command, description}], scope {type: chat, chat_id}
        "deleteMyCommands",  # scope {type: chat, chat_id}: the chat gets the bot's default list
        "leaveChat",  # the bot leaves a group's chat (a closed group)
    }
)


@dataclass(frozen=True)
class OutgoingCall:
    """A Bot API call that is not a message, for one chat, performed at most once.

    Calls go in the highest lane, are exempt from a group's 20 messages a minute, and their
    failure ends only that row: it never marks the chat unreachable. `context` is kept beside
    the parameters for the follow-up that runs when the call ends (its result, such as an invite
    link, is handed to the follow-up registered for `kind`); it is never sent to Telegram.
    """

    chat_id: int
    method: str
    params: Mapping[str, Any]
    kind: OutboxKind
    intent_key: str
    context: Mapping[str, Any] = field(default_factory=dict)
    participant_id: int | None = None
    not_before: datetime | None = None
    chat_type: ChatType = ChatType.GROUP

    def __post_init__(self) -> None:
        if self.method not in CALL_METHODS:
            raise ValueError(f"the outbox cannot perform {self.method!r}")

    @property
    def lane(self) -> Priority:
        return Priority.REPLY

    def payload(self) -> dict[str, Any]:
        payload = dict(self.params)
        if self.context:
            payload[CONTEXT_KEY] = dict(self.context)
        return payload


CONTEXT_KEY = "_context"  # a call's payload key for its follow-up's data; never sent


def call_params(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A call's Bot API parameters: its payload without the follow-up's context."""
    return {key: value for key, value in payload.items() if key != CONTEXT_KEY}


Outgoing = OutgoingMessage | OutgoingCall
