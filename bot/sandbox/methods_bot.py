"""Methods about the bot itself: identity, receiving updates, and its command menu."""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox.errors import ApiError, bad_request
from bot.sandbox.registry import Params, method
from bot.sandbox.world import World

JSON = dict[str, Any]

WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_LANGUAGE_RE = re.compile(r"[a-z]{2}")


@method("getMe")
async def get_me(world: World, params: Params) -> JSON:
    me = world.bot.user_obj()
    me.update(
        can_join_groups=True,
        # Privacy mode off: the sandbox delivers every group message to the bot.
        can_read_all_group_messages=True,
        supports_inline_queries=False,
        can_connect_to_business=False,
        has_main_web_app=False,
    )
    return me


@method("getUpdates")
async def get_updates(world: World, params: Params) -> list[JSON]:
    if world.webhook.active:
        raise ApiError(409, WEBHOOK_CONFLICT)
    queue = world.updates
    offset = params.opt_int("offset")
    if offset is not None:
        queue.confirm(offset)
    allowed = params.opt_list("allowed_updates")
    if allowed is not None:
        queue.allowed_updates = [str(kind) for kind in allowed]
    limit = min(max(params.opt_int("limit") or 100, 1), 100)
    timeout = max(params.opt_int("timeout") or 0, 0)
    world.poll_generation += 1
    generation = world.poll_generation
    world.notifier.notify()  # an older long poll must give way to this one
    if timeout > 0:
        await world.notifier.wait_until(
            lambda: (
                world.closing
                or world.webhook.active
                or world.poll_generation != generation
                or queue.has_deliverable()
            ),
            timeout,
        )
    if world.poll_generation != generation:
        raise ApiError(409, POLL_CONFLICT)
    if world.webhook.active:
        raise ApiError(409, WEBHOOK_CONFLICT)
    return queue.deliverable(limit)


@method("setWebhook")
async def set_webhook(world: World, params: Params) -> bool:
    url = params.get_str("url")
    if not url:
        await world.webhook.stop()
        return True
    # Telegram insists on HTTPS on ports 443/80/88/8443; a loopback sandbox cannot.
    if not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.opt_str("secret_token")
    if secret is not None and not _SECRET_RE.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    if params.flag("drop_pending_updates"):
        world.updates.clear()
    allowed = params.opt_list("allowed_updates")
    if allowed is not None:
        world.updates.allowed_updates = [str(kind) for kind in allowed]
    await world.webhook.start(url, secret, params.opt_int("max_connections"))
    return True


@method("deleteWebhook")
async def delete_webhook(world: World, params: Params) -> bool:
    if params.flag("drop_pending_updates"):
        world.updates.clear()
    await world.webhook.stop()
    return True


@method("getWebhookInfo")
async def get_webhook_info(world: World, params: Params) -> JSON:
    hook = world.webhook
    info: JSON = {
        "url": hook.url,
        "has_custom_certificate": False,
        "pending_update_count": len(world.updates.pending),
    }
    if hook.active:
        info["ip_address"] = "127.0.0.1"
        info["max_connections"] = hook.max_connections or 40
        if world.updates.allowed_updates:
            info["allowed_updates"] = list(world.updates.allowed_updates)
    if hook.last_error_date is not None:
        info["last_error_date"] = hook.last_error_date
        info["last_error_message"] = hook.last_error_message or ""
    return info


def _scope_key(world: World, params: Params) -> tuple[str, str]:
    """(scope, language) as stored; chat scopes carry their chat (and user) id."""
    scope = params.opt_obj("scope") or {"type": "default"}
    kind = str(scope["type"])
    if kind in ("chat", "chat_administrators", "chat_member"):
        chat = world.resolve_chat(scope.get("chat_id"))
        kind = f"{kind}:{chat.id}"
        if "user_id" in scope:
            kind += f":{world.resolve_user(scope['user_id']).id}"
    language = params.opt_str("language_code") or ""
    if language and not _LANGUAGE_RE.fullmatch(language):
        raise bad_request("LANGUAGE_CODE_INVALID")
    return kind, language


@method("setMyCommands")
async def set_my_commands(world: World, params: Params) -> bool:
    commands = params.opt_list("commands") or []
    if len(commands) > 100:
        raise bad_request("too many commands")
    for command in commands:
        if not _COMMAND_RE.fullmatch(str(command["command"])):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command["description"]).strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    key = _scope_key(world, params)
    if commands:
        world.commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
    else:
        world.commands.pop(key, None)
    world.notifier.notify()
    return True


@method("getMyCommands")
async def get_my_commands(world: World, params: Params) -> list[JSON]:
    return list(world.commands.get(_scope_key(world, params), []))


@method("deleteMyCommands")
async def delete_my_commands(world: World, params: Params) -> bool:
    world.commands.pop(_scope_key(world, params), None)
    world.notifier.notify()
    return True
