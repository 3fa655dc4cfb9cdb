"""The spec loader and the strict checks built on it (no server needed)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from importlib import resources
from typing import Any

from bot.sandbox import load_spec
from bot.sandbox.spec import SPEC_FILE, BotApiSpec, FieldSpec, UploadedFile


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


class _FullCheckOnly(BotApiSpec):
    """The spec with its yes/no shortcut switched off: every check builds all its messages."""

    def is_valid(self, types: Iterable[str], value: Any) -> bool:
        return False


def _full_check_spec() -> BotApiSpec:
    text = resources.files("bot.sandbox").joinpath(SPEC_FILE).read_text(encoding="utf-8")
    return _FullCheckOnly(json.loads(text))


_USER = {"id": 7, "is_bot": False, "first_name": "Ada", "language_code": "nl"}
_CHAT = {"id": 7, "type": "private", "first_name": "Ada"}
_MESSAGE = {
    "message_id": 3,
    "from": _USER,
    "date": 1_700_000_000,
    "chat": _CHAT,
    "text": "/start hoi",
    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    "reply_markup": {"inline_keyboard": [[{"text": "Ja", "callback_data": "ja"}]]},
    "reply_to_message": {"message_id": 2, "date": 1_699_999_999, "chat": _CHAT, "text": "?"},
}
_MEMBER = {"status": "member", "user": _USER}
_BANNED = {"status": "kicked", "user": _USER, "until_date": 0}
# (types, value): each a realistic value the sandbox checks, unions included.
_SAMPLES: list[tuple[tuple[str, ...], Any]] = [
    (("Update",), {"update_id": 1, "message": _MESSAGE}),
    (
        ("Update",),
        {
            "update_id": 2,
            "callback_query": {
                "id": "9",
                "from": _USER,
                "message": _MESSAGE,
                "chat_instance": "1",
                "data": "ja",
            },
        },
    ),
    (
        ("Update",),
        {
            "update_id": 3,
            "my_chat_member": {
                "chat": _CHAT,
                "from": _USER,
                "date": 1,
                "old_chat_member": _MEMBER,
                "new_chat_member": _BANNED,
            },
        },
    ),
    (("Message", "True"), _MESSAGE),
    (("ChatMember",), _BANNED),
    (("BotCommandScope",), {"type": "chat", "chat_id": 5}),
    (
        ("InlineKeyboardMarkup", "ReplyKeyboardMarkup", "ReplyKeyboardRemove", "ForceReply"),
        {"keyboard": [[{"text": "A"}, {"text": "B"}]], "resize_keyboard": True},
    ),
    (("Array of MessageEntity",), [{"type": "bold", "offset": 0, "length": 2}]),
]
_WRONG_LEAVES: list[Any] = ["x", 1, 1.5, True, None, [], {}, [1], {"x": 1}]


def _mutations(value: Any) -> Iterator[Any]:
    """`value` with one thing wrong (or merely different) at every place it could be."""
    yield from _WRONG_LEAVES
    if isinstance(value, dict):
        yield {**value, "kleur": "rood"}
        for key, item in value.items():
            yield {k: v for k, v in value.items() if k != key}
            for changed in _mutations(item):
                yield {**value, key: changed}
        if "status" in value:
            yield {**value, "status": "left"}  # another union member's discriminator
    elif isinstance(value, list):
        yield [*value, value[0]] if value else [1]
        for i, item in enumerate(value):
            for changed in _mutations(item):
                yield [*value[:i], changed, *value[i + 1 :]]


def test_the_yes_no_shortcut_gives_exactly_the_full_checks_outcome() -> None:
    fast, full = load_spec(), _full_check_spec()
    outcomes = {True: 0, False: 0}
    for types, sample in _SAMPLES:
        for value in [sample, *_mutations(sample)]:
            expected = full.check(types, value, "v")
            assert fast.check(types, value, "v") == expected
            valid = not expected.errors and not expected.unknown
            assert fast.is_valid(types, value) == valid
            assert fast.prune(types, value) == full.prune(types, value)
            if len(types) == 1:
                assert fast.check_object(types[0], value) == full.check_object(types[0], value)
            outcomes[valid] += 1
    assert fast.is_valid([], object())  # an empty union, like `check`, reports nothing
    # Both answers occur often: mutations of optional fields can stay valid (a dropped
    # optional field, an extra message_id of the right type), most do not.
    assert outcomes[True] > 50
    assert outcomes[False] > 1_000
