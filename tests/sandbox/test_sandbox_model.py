"""`json_copy`, the deep copy behind every message and update the sandbox hands out."""

from __future__ import annotations

import copy
from typing import Any

from bot.sandbox.model import json_copy
from bot.sandbox.spec import UploadedFile


def test_json_copy_equals_deepcopy_and_shares_nothing_mutable() -> None:
    upload = UploadedFile("document", "a.txt", "text/plain", b"x")
    value: dict[Any, Any] = {
        "message_id": 1,
        "text": "hoi",
        "ok": True,
        "none": None,
        "ratio": 0.5,
        "entities": [{"type": "bold", "offset": 0, "length": 3}],
        "reply_markup": {"inline_keyboard": [[{"text": "Ja", "callback_data": "ja"}]]},
        ("scope", "nl"): [{"command": "start"}],
        "tuple": ([1], "x"),
        "upload": upload,
    }
    copied = json_copy(value)
    assert copied == copy.deepcopy(value)
    assert copied is not value
    assert copied["entities"] is not value["entities"]
    assert copied["entities"][0] is not value["entities"][0]
    assert (
        copied["reply_markup"]["inline_keyboard"][0][0]
        is not (value["reply_markup"]["inline_keyboard"][0][0])
    )
    assert copied["tuple"][0] is not value["tuple"][0]  # not JSON: left to copy.deepcopy
    copied["reply_markup"]["inline_keyboard"][0][0]["text"] = "Nee"
    assert value["reply_markup"]["inline_keyboard"][0][0]["text"] == "Ja"
    assert json_copy([value])[0] == value
    assert json_copy("x") == "x"
