"""Only the outbox transport makes Bot API writes (issue 17): everything else queues them.

Three kinds of call stay direct: answerCallbackQuery (it must answer within seconds),
setMyCommands (and, in webhook mode, setWebhook; in polling mode deleteWebhook) at start-up,
and reads (get*). The test reads
the source of `bot/` (the sandbox, which plays Telegram's side, aside) and looks for calls of a
write method, by its
python-telegram-bot name, on anything that is a bot (`bot.x`, `context.bot.x`, `self._bot.x`),
and for the shortcuts python-telegram-bot hangs on updates (`request.approve()`,
`message.reply_text()`, ...).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT.parent / "shared" / "telegram" / "bot-api-10.0.json"
LOCAL_SPEC = ROOT / "bot" / "sandbox" / "bot-api-10.0.json"
TRANSPORT = ROOT / "bot" / "outbox" / "telegram_transport.py"
# start-up configuration is not a use case's write: there is no update to answer yet
DIRECT = {"answerCallbackQuery", "setMyCommands", "setWebhook", "deleteWebhook"}
# python-telegram-bot's shortcuts on Message, CallbackQuery, ChatJoinRequest, Chat and User that
# make a write; `answer` (answerCallbackQuery) is allowed
SHORTCUTS = {
    "approve",
    "decline",
    "reply_text",
    "reply_html",
    "reply_markdown",
    "reply_markdown_v2",
    "reply_document",
    "reply_photo",
    "edit_text",
    "edit_message_text",
    "edit_reply_markup",
    "delete_message",
    "pin",
    "unpin",
    "ban_member",
    "unban_member",
    "restrict_member",
    "create_invite_link",
    "send_message",
    "forward",
    "copy",
}
TELEGRAM_OBJECTS = re.compile(r"(message|query|request|chat|update|user)\b", re.IGNORECASE)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def write_methods() -> set[str]:
    """Every Bot API method that is not a read, in python-telegram-bot's snake_case."""
    spec = json.loads((SPEC if SPEC.is_file() else LOCAL_SPEC).read_text())
    names = [name for name in spec["methods"] if name not in DIRECT]
    return {_snake(name) for name in names if not name.startswith("get")}


def _receiver(node: ast.expr) -> str:
    return ast.unparse(node)


def writes_in(path: Path, writes: set[str]) -> list[str]:
    """`file:line call` for each Bot API write made in `path`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        name, receiver = node.func.attr, _receiver(node.func.value)
        on_a_bot = re.search(r"(^|\.|_)bot$", receiver) is not None
        shortcut = name in SHORTCUTS and TELEGRAM_OBJECTS.search(receiver) is not None
        if (on_a_bot and name in writes) or shortcut:
            where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
            found.append(f"{where}:{node.lineno} {receiver}.{name}()")
    return found


def test_only_the_outbox_transport_makes_bot_api_writes() -> None:
    writes = write_methods()
    assert {"send_message", "approve_chat_join_request", "create_chat_invite_link"} <= writes
    assert "answer_callback_query" not in writes
    sources = [
        path
        for path in sorted((ROOT / "bot").rglob("*.py"))
        if "sandbox" not in path.parts and path != TRANSPORT
    ]
    offenders = [line for path in sources for line in writes_in(path, writes)]
    assert offenders == []


def test_the_scan_finds_the_writes_it_is_looking_for(tmp_path: Path) -> None:
    # the scan must be able to fail: the transport makes every kind of write it looks for
    found = writes_in(TRANSPORT, write_methods())
    assert any("send_message" in line for line in found)
    assert any("approve_chat_join_request" in line for line in found)
    assert any("restrict_chat_member" in line for line in found)
    sample = tmp_path / "handler.py"
    sample.write_text(
        "async def f(update, context, request):\n"
        "    await request.approve()\n"
        "    await context.bot.ban_chat_member(1, 2)\n"
        "    await update.effective_message.reply_text('x')\n"
        "    await update.callback_query.answer()\n"
        "    await context.bot.get_chat_member(1, 2)\n"
    )
    found = writes_in(sample, write_methods())
    assert [line.split(" ", 1)[1] for line in found] == [
        "request.approve()",
        "context.bot.ban_chat_member()",
        "update.effective_message.reply_text()",
    ]
