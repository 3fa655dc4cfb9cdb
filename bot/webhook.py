"""The webhook endpoint Telegram posts updates to (behind HTTPS), served with aiohttp.

python-telegram-bot's own webhook server (tornado) reads the whole body before any handler
runs, so anyone could make it buffer 90 MB without knowing the secret. Here the secret header
is checked first, in constant time, and a refused request is answered and its connection
closed without reading the body. A body over 1 MB is refused by its Content-Length and, when
that is missing or lies, by the streamed read itself. Telegram's updates are a few kilobytes.
Telegram hears 200 only once the update is stored (bot.inbound); a body that is not an update
gets 400.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging

from aiohttp import web
from telegram import Update

from bot.handlers.context import LotgenootApplication
from bot.inbound import InboundLog

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 1_000_000
READ_TIMEOUT_S = 10.0

log = logging.getLogger(__name__)


class WebhookServer:
    """Takes Telegram's POSTs on `path` and puts the updates on the application's queue."""

    def __init__(
        self,
        application: LotgenootApplication,
        inbound: InboundLog,
        *,
        secret: str,
        path: str,
        listen: str,
        port: int,
    ) -> None:
        self._application = application
        self._inbound = inbound
        self._secret = secret.encode()
        self._listen, self._port = listen, port
        # aiohttp refuses a read that reaches client_max_size: exactly MAX_BODY_BYTES passes
        app = web.Application(client_max_size=MAX_BODY_BYTES + 1)
        app.router.add_post(f"/{path.strip('/')}", self._receive)
        # no lingering: aiohttp would otherwise read (and discard) a refused body for seconds
        self._runner = web.AppRunner(app, access_log=None, lingering_time=0)

    async def start(self) -> None:
        await self._runner.setup()
        await web.TCPSite(self._runner, self._listen, self._port).start()

    async def stop(self) -> None:
        await self._runner.cleanup()

    async def _receive(self, request: web.Request) -> web.StreamResponse:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self._secret):
            return _refuse(403, "wrong or missing secret token")
        length = request.content_length
        if length is not None and length > MAX_BODY_BYTES:
            return _refuse(413, "body too large")
        try:
            async with asyncio.timeout(READ_TIMEOUT_S):
                body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _refuse(413, "body too large")
        except TimeoutError:
            return _refuse(408, "body too slow")
        update = self._parse(body)
        if update is None:
            return _refuse(400, "body is not a Telegram update")
        try:
            await self._inbound.keep([update.to_dict()])
        except Exception as error:  # not stored: Telegram must send it again
            log.warning("could not store an update error=%s", type(error).__name__)
            return web.Response(status=503, text="try again")
        await self._application.update_queue.put(update)
        return web.Response()  # 200 only now: the update is stored and will be handled

    def _parse(self, body: bytes) -> Update | None:
        """The update in `body`; None (and one warning, without the content) for anything else:
        invalid or deeply nested JSON, another shape, an update python-telegram-bot refuses."""
        try:
            data = json.loads(body)
            if not isinstance(data, dict):
                raise TypeError("not a JSON object")
            return Update.de_json(data, self._application.bot)
        except Exception as error:  # RecursionError too: whatever it is, its content stays out
            log.warning(
                "webhook body refused: not a Telegram update error=%s", type(error).__name__
            )
            return None


def _refuse(status: int, reason: str) -> web.Response:
    """A refusal that closes the connection, so the rest of the body is never read."""
    response = web.Response(status=status, text=reason)
    response.force_close()
    return response
