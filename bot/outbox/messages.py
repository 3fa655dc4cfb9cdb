"""What a service says it wants to send, in plain data (no Telegram types)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.db.models import ChatType


@dataclass(frozen=True)
class Button:
    """An inline button: what it says and the callback data it sends back."""

    label: str
    data: str


@dataclass(frozen=True)
class OutgoingMessage:
    """A text for one chat; `intent_key` names the intention so it is sent at most once."""

    chat_id: int
    text: str
    kind: str
    intent_key: str
    chat_type: ChatType = ChatType.PRIVATE
    buttons: Sequence[Sequence[Button]] = field(default_factory=tuple)
    participant_id: int | None = None
    not_before: datetime | None = None
    # a persistent menu of big buttons (labels, rows); a message with inline buttons cannot
    # carry it as well, and Telegram keeps showing the last one sent
    reply_keyboard: Sequence[Sequence[str]] = field(default_factory=tuple)
    document: tuple[str, str] | None = (
        None  # (file name, UTF-8 content), sent with `text` as caption
    )

    @property
    def method(self) -> str:
        return "sendMessage" if self.document is None else "sendDocument"

    def payload(self) -> dict[str, Any]:
        """The Bot API parameters of sendMessage, without chat_id (kept in its own column)."""
        if self.document is not None:
            filename, content = self.document
            return {"filename": filename, "content": content, "caption": self.text}
        payload: dict[str, Any] = {"text": self.text}
        if self.buttons:
            payload["reply_markup"] = {
                "inline_keyboard": [
                    [{"text": button.label, "callback_data": button.data} for button in row]
                    for row in self.buttons
                ]
            }
        elif self.reply_keyboard:
            payload["reply_markup"] = {
                "keyboard": [[{"text": label} for label in row] for row in self.reply_keyboard],
                "is_persistent": True,
                "resize_keyboard": True,
            }
        return payload
