"""Methods that send, change or remove messages, and answer button presses."""

from __future__ import annotations

from typing import Any

from bot.sandbox.content import (
    apply_keyboard,
    check_reply_markup,
    describe_upload,
    inline_only,
    render_text,
    resolve_reply,
)
from bot.sandbox.errors import (
    MESSAGE_NOT_MODIFIED,
    MESSAGE_TO_EDIT_NOT_FOUND,
    NO_RIGHTS_PIN,
    QUERY_TOO_OLD,
    bad_request,
)
from bot.sandbox.model import ChatRecord, json_copy
from bot.sandbox.registry import Params, method
from bot.sandbox.spec import UploadedFile
from bot.sandbox.world import World

JSON = dict[str, Any]


def _finish_send(
    world: World,
    chat: ChatRecord,
    params: Params,
    content: JSON,
    files: dict[str, UploadedFile] | None = None,
) -> JSON:
    """Common tail of every send: reply target, markup, flood limits, then store."""
    markup = check_reply_markup(params.opt_obj("reply_markup"))
    reply = resolve_reply(world, chat, params)
    # Last check before any effect: a 429 must leave no trace.
    world.limits.admit(chat.id)
    world.files.update(files or {})
    if reply is not None:
        content["reply_to_message"] = reply
    if params.flag("protect_content"):
        content["has_protected_content"] = True
    if (inline := inline_only(markup)) is not None:
        content["reply_markup"] = inline
    apply_keyboard(chat, markup)
    return world.store_message(chat, world.bot, content)


@method("sendMessage")
async def send_message(world: World, params: Params) -> JSON:
    chat = world.resolve_chat(params.get("chat_id"))
    world.check_can_send(chat)
    text, entities = render_text(
        params.get_str("text"), params.opt_str("parse_mode"), params.opt_list("entities")
    )
    content: JSON = {"text": text}
    if entities:
        content["entities"] = entities
    return _finish_send(world, chat, params, content)


@method("sendDocument")
async def send_document(world: World, params: Params) -> JSON:
    chat = world.resolve_chat(params.get("chat_id"))
    world.check_can_send(chat)
    document = params.get("document")
    if not isinstance(document, UploadedFile | str):
        raise bad_request("there is no document in the request")
    document_obj, file = describe_upload(world, document)
    content: JSON = {"document": document_obj}
    if (raw_caption := params.opt_str("caption")) is not None:
        caption, entities = render_text(
            raw_caption,
            params.opt_str("parse_mode"),
            params.opt_list("caption_entities"),
            caption=True,
        )
        if caption:
            content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
    return _finish_send(world, chat, params, content, {document_obj["file_id"]: file})


def _editable(world: World, params: Params) -> tuple[ChatRecord, JSON]:
    if params.get("inline_message_id") is not None:
        raise bad_request("MESSAGE_ID_INVALID")  # the sandbox has no inline messages
    if params.get("chat_id") is None:
        raise bad_request("chat_id is empty")
    if params.get("message_id") is None:
        raise bad_request("message identifier is not specified")
    chat = world.resolve_chat(params.get("chat_id"))
    msg = chat.messages.get(params.get_int("message_id"))
    if msg is None:
        raise bad_request(MESSAGE_TO_EDIT_NOT_FOUND)
    if msg["from"]["id"] != world.bot.id:
        raise bad_request("message can't be edited")
    return chat, msg


def _replace(world: World, chat: ChatRecord, old: JSON, new: JSON) -> JSON:
    """Store an edited copy; stored dicts are never mutated so earlier snapshots stay true."""
    if {k: v for k, v in new.items() if k != "edit_date"} == {
        k: v for k, v in old.items() if k != "edit_date"
    }:
        raise bad_request(MESSAGE_NOT_MODIFIED)
    new["edit_date"] = world.now()
    chat.messages[new["message_id"]] = new
    world.notifier.notify()
    return new


def _set_markup(msg: JSON, markup: JSON | None) -> None:
    # Telegram drops the inline keyboard on any edit that does not pass one again.
    if markup is None:
        msg.pop("reply_markup", None)
    else:
        msg["reply_markup"] = markup


@method("editMessageText")
async def edit_message_text(world: World, params: Params) -> JSON:
    chat, msg = _editable(world, params)
    if "text" not in msg:
        raise bad_request("there is no text in the message to edit")
    text, entities = render_text(
        params.get_str("text"), params.opt_str("parse_mode"), params.opt_list("entities")
    )
    new = json_copy(msg)
    new["text"] = text
    if entities:
        new["entities"] = entities
    else:
        new.pop("entities", None)
    _set_markup(new, check_reply_markup(params.opt_obj("reply_markup")))
    return _replace(world, chat, msg, new)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(world: World, params: Params) -> JSON:
    chat, msg = _editable(world, params)
    new = json_copy(msg)
    _set_markup(new, check_reply_markup(params.opt_obj("reply_markup")))
    return _replace(world, chat, msg, new)


@method("deleteMessage")
async def delete_message(world: World, params: Params) -> bool:
    chat = world.resolve_chat(params.get("chat_id"))
    message_id = params.get_int("message_id")
    msg = chat.messages.get(message_id)
    if msg is None:
        raise bad_request("message to delete not found")
    own = msg["from"]["id"] == world.bot.id
    if chat.type != "private" and not own:
        world.check_can_send(chat)
        if not world.bot_has_right(chat, "can_delete_messages"):
            raise bad_request("message can't be deleted")
    chat.deleted[message_id] = chat.messages.pop(message_id)
    if message_id in chat.pinned:
        chat.pinned.remove(message_id)
    world.notifier.notify()
    return True


def _check_pin_rights(world: World, chat: ChatRecord) -> None:
    if chat.type != "private":
        world.check_can_send(chat)
        if not world.bot_has_right(chat, "can_pin_messages"):
            raise bad_request(NO_RIGHTS_PIN)


@method("pinChatMessage")
async def pin_chat_message(world: World, params: Params) -> bool:
    chat = world.resolve_chat(params.get("chat_id"))
    _check_pin_rights(world, chat)
    message_id = params.get_int("message_id")
    if message_id not in chat.messages:
        raise bad_request("message to pin not found")
    if message_id in chat.pinned:
        chat.pinned.remove(message_id)
    chat.pinned.append(message_id)
    world.notifier.notify()
    return True


@method("unpinChatMessage")
async def unpin_chat_message(world: World, params: Params) -> bool:
    chat = world.resolve_chat(params.get("chat_id"))
    _check_pin_rights(world, chat)
    message_id = params.opt_int("message_id")
    if message_id is None:
        if chat.pinned:
            chat.pinned.pop()  # without an id Telegram unpins the most recent pin
    elif message_id in chat.pinned:
        chat.pinned.remove(message_id)
    else:
        raise bad_request("message to unpin not found")
    world.notifier.notify()
    return True


@method("answerCallbackQuery")
async def answer_callback_query(world: World, params: Params) -> bool:
    query = world.callback_queries.get(params.get_str("callback_query_id"))
    if query is None or query.answered:
        raise bad_request(QUERY_TOO_OLD)
    text = params.opt_str("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answered = True
    query.answer = {k: v for k, v in params.values.items() if k != "callback_query_id"}
    world.notifier.notify()
    return True
