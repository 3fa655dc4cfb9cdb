"""The spec loader and the strict checks built on it (no server needed)."""

from __future__ import annotations

from bot.sandbox import load_spec
from bot.sandbox.spec import FieldSpec, UploadedFile


def test_spec_is_loaded_once_and_case_insensitive() -> None:
    spec = load_spec()
    assert spec is load_spec()
    assert spec.version == "Bot API 10.0"
    assert spec.canonical_method("SENDMESSAGE") == "sendMessage"
    assert spec.canonical_method("sendmessage") == "sendMessage"
    assert spec.canonical_method("fooBar") is None
    assert spec.methods["getMe"].fields == {}


def test_decoding_follows_the_field_type() -> None:
    spec = load_spec()
    fields = spec.methods["sendMessage"].fields
    assert spec.decode_param(fields["chat_id"], "123") == 123
    assert spec.decode_param(fields["chat_id"], "@kanaal") == "@kanaal"
    assert spec.decode_param(fields["text"], "123") == "123"
    assert spec.decode_param(fields["text"], "true") == "true"
    assert spec.decode_param(fields["disable_notification"], "true") is True
    assert spec.decode_param(fields["reply_markup"], '{"remove_keyboard": true}') == {
        "remove_keyboard": True
    }
    assert spec.decode_param(None, "[1, 2]") == [1, 2]  # unknown params: best effort
    assert spec.decode_param(FieldSpec("x", ("String",), False), "{") == "{"


def test_check_reports_errors_and_unknown_fields() -> None:
    spec = load_spec()
    types = spec.methods["sendMessage"].fields["reply_markup"].types
    good = {"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]}
    assert spec.check(types, good, "reply_markup").errors == []
    assert spec.check(types, good, "reply_markup").unknown == []
    extra = {"inline_keyboard": [[{"text": "a", "callback_data": "a", "kleur": "rood"}]]}
    assert spec.check(types, extra, "reply_markup").unknown == [
        "reply_markup.inline_keyboard[0][0].kleur is not a field of InlineKeyboardButton"
    ]
    assert spec.prune(types, extra) == good
    missing = {"inline_keyboard": [[{"callback_data": "a"}]]}
    assert spec.check(types, missing, "reply_markup").errors
    assert spec.check(["Integer"], True, "x").errors  # a bool is not an Integer
    assert not spec.check(["Float"], 3, "x").errors
    upload = UploadedFile("document", "a.txt", "text/plain", b"x")
    assert not spec.check(["InputFile", "String"], upload, "document").errors


def test_union_members_are_told_apart_by_their_discriminator() -> None:
    spec = load_spec()
    user = {"id": 1, "is_bot": False, "first_name": "A"}
    banned = {"status": "kicked", "user": user, "until_date": 0}
    assert spec.check_object("ChatMember", banned).errors == []
    wrong = {"status": "kicked", "user": user}  # ChatMemberBanned needs until_date
    assert spec.check_object("ChatMember", wrong).errors
    scope = {"type": "chat", "chat_id": 5}
    assert spec.check(["BotCommandScope"], scope, "scope").errors == []
    assert spec.check(["BotCommandScope"], {"type": "galaxy"}, "scope").errors
