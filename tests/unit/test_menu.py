from __future__ import annotations

import pytest

from bot.i18n import Language, text
from bot.outbox import Button, OutboxKind, OutgoingMessage
from bot.sandbox import TelegramSandbox
from bot.services.keyboard import LAYOUTS, all_labels, label_meaning
from bot.services.participants.menu import amounts_for


@pytest.mark.parametrize(
    ("goal", "expected"),
    [
        (1000, [500, 1000, 2000]),
        (750, [400, 800, 1500]),
        (0, [500, 1000, 2000]),
        (150, [100, 200, 300]),
    ],
)
def test_amounts_on_offer_follow_the_goal_in_whole_euros(goal: int, expected: list[int]) -> None:
    assert amounts_for(goal, max_cents=1_000_000) == expected


def test_amounts_above_the_protocol_maximum_are_not_offered() -> None:
    assert amounts_for(1000, max_cents=1000) == [500, 1000]


def test_every_label_means_its_key_in_both_languages() -> None:
    keys = {key for rows in LAYOUTS.values() for row in rows for key in row}
    for language in Language:
        for key in keys:
            assert label_meaning(text(language, f"menu.{key}")) == key
    assert len(all_labels()) == 2 * len(keys), "a label is the same in two places"
    assert label_meaning("ik heb gespaard") is None


def test_a_menu_travels_as_a_persistent_reply_keyboard_unless_inline_buttons_come_along() -> None:
    menu = (("💶 Ik heb gespaard",), ("📊 Hoe sta ik ervoor?", "❓ Hulp"))
    plain = OutgoingMessage(
        chat_id=1, text="hoi", kind=OutboxKind.REPLY, intent_key="k", reply_keyboard=menu
    )
    with_buttons = OutgoingMessage(
        chat_id=1, text="hoi", kind=OutboxKind.REPLY, intent_key="k", reply_keyboard=menu,
        buttons=[[Button("ja", "x")]],
    )  # fmt: skip
    assert plain.payload()["reply_markup"] == {
        "keyboard": [
            [{"text": "💶 Ik heb gespaard"}],
            [{"text": "📊 Hoe sta ik ervoor?"}, {"text": "❓ Hulp"}],
        ],
        "is_persistent": True,
        "resize_keyboard": True,
    }
    assert "inline_keyboard" in with_buttons.payload()["reply_markup"]


async def test_sandbox_tap_needs_the_button_on_the_keyboard() -> None:
    async with TelegramSandbox() as sandbox:
        sanne = sandbox.add_user("Sanne")
        with pytest.raises(ValueError, match="no keyboard button"):
            sanne.tap("💶 Ik heb gespaard")
