"""Checks and transformations shared by the message-sending methods.

These are the rules beyond the JSON shape that Telegram enforces on content: text length,
markup parsing, keyboard button validity, reply targets.
"""

from __future__ import annotations

import hashlib
import mimetypes
from typing import Any

from bot.sandbox.errors import MESSAGE_TEXT_EMPTY, bad_request
from bot.sandbox.formatting import EntityParseError, format_text, utf16_len
from bot.sandbox.model import ChatRecord
from bot.sandbox.registry import Params
from bot.sandbox.spec import UploadedFile
from bot.sandbox.world import World

JSON = dict[str, Any]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
# Exactly one of these makes an inline button do something; a bare text button is invalid.
INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def render_text(
    raw: str, parse_mode: str | None, entities: list[JSON] | None, *, caption: bool = False
) -> tuple[str, list[JSON]]:
    try:
        text, found = format_text(raw, parse_mode, entities)
    except EntityParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from exc
    except ValueError as exc:
        raise bad_request(f"unsupported parse_mode {parse_mode}") from exc
    if caption:
        if utf16_len(text) > MAX_CAPTION:
            raise bad_request("message caption is too long")
        return text, found
    if not text.strip():
        raise bad_request(MESSAGE_TEXT_EMPTY)
    if utf16_len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    return text, found


def check_reply_markup(markup: JSON | None) -> JSON | None:
    """Validate button contents; return the markup, or None for an empty inline keyboard."""
    if markup is None:
        return None
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        for row in rows:
            for button in row:
                _check_inline_button(button)
        return markup if any(rows) else None
    if "keyboard" in markup:
        for row in markup["keyboard"]:
            for button in row:
                if not str(button.get("text", "")).strip():
                    raise bad_request("keyboard button text is empty")
    return markup


def _check_inline_button(button: JSON) -> None:
    actions = [name for name in INLINE_ACTIONS if name in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request("can't parse inline keyboard button: too many button actions")
    if "callback_data" in button:
        size = len(str(button["callback_data"]).encode("utf-8"))
        if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not str(button["url"]).startswith(("http://", "https://", "tg://")):
        raise bad_request("BUTTON_URL_INVALID")


def apply_keyboard(chat: ChatRecord, markup: JSON | None) -> None:
    """Remember a custom reply keyboard; inline keyboards live on the message instead."""
    if markup is None:
        return
    if "keyboard" in markup:
        chat.reply_keyboard = markup
    elif markup.get("remove_keyboard"):
        chat.reply_keyboard = None


def inline_only(markup: JSON | None) -> JSON | None:
    return markup if markup is not None and "inline_keyboard" in markup else None


def resolve_reply(world: World, chat: ChatRecord, params: Params) -> JSON | None:
    """The message a send replies to, rendered for `reply_to_message`."""
    reply = params.opt_obj("reply_parameters")
    if reply is None:
        return None
    target_chat = chat
    if reply.get("chat_id") is not None and reply["chat_id"] != chat.id:
        target_chat = world.resolve_chat(reply["chat_id"])
    snapshot = world.reply_snapshot(target_chat, int(reply["message_id"]))
    if snapshot is None:
        if reply.get("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")
    if target_chat is not chat:
        return None  # cross-chat replies become external_reply in Telegram; not modelled
    return snapshot


def describe_upload(world: World, document: UploadedFile | str) -> tuple[JSON, UploadedFile]:
    """The Document object for an upload (or a known file_id), and the file behind it.

    The caller registers the file in `world.files` only once the send is accepted.
    """
    if isinstance(document, str):
        known = world.files.get(document)
        if known is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return _document_obj(document, known), known
    if not document.data:
        raise bad_request("file must be non-empty")
    file_id = "BQACAgQAAxkDAAI" + world.random_token(40)
    return _document_obj(file_id, document), document


def _document_obj(file_id: str, file: UploadedFile) -> JSON:
    obj: JSON = {
        "file_id": file_id,
        "file_unique_id": "AgAD" + hashlib.sha1(file.data).hexdigest()[:12],
        "file_size": len(file.data),
    }
    if file.filename:
        obj["file_name"] = file.filename
    mime = file.content_type
    if not mime or mime == "application/octet-stream":
        mime = mimetypes.guess_type(file.filename or "")[0] or mime
    if mime:
        obj["mime_type"] = mime
    return obj
