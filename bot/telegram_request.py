"""python-telegram-bot's requests to the Bot API, made with aiohttp instead of httpx.

python-telegram-bot sends every request through `telegram.request.BaseRequest`, an interface
meant for other HTTP libraries. Its default, httpx (over httpcore, anyio and h11, all pure
Python), took about a quarter of the bot's CPU time when answering a burst of updates, more
than SQLite and SQLAlchemy together; aiohttp parses HTTP in C and keeps its connection pool
cheaply. aiohttp is a dependency already (the sandbox's server and the webhook use it).

Timeouts keep HTTPXRequest's defaults and meaning: `pool` (waiting for a free connection),
`connect` (opening one), `read` (between two reads of the answer) and `write` (sending the
request; 20 s when files go along). aiohttp has no write timeout of its own, so the whole call is
also capped at the sum of the four.

Errors never carry the bot token: aiohttp names the URL in some of its messages (a connect or
pool timeout says "Connection timeout to host http://…/bot<token>/getMe"), and such text ends
up in logs and in the outbox's stored errors. Each error is re-raised with the text redacted
and without its aiohttp cause attached.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.redaction import redact

# python-telegram-bot's HTTPXRequest defaults, kept so that behaviour does not change with it
DEFAULT_READ_TIMEOUT_S = 5.0
DEFAULT_WRITE_TIMEOUT_S = 5.0
DEFAULT_MEDIA_WRITE_TIMEOUT_S = 20.0
DEFAULT_CONNECT_TIMEOUT_S = 5.0
DEFAULT_POOL_TIMEOUT_S = 1.0


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` over one aiohttp session (made on `initialize`, closed on `shutdown`)."""

    __slots__ = (
        "_connect_timeout",
        "_pool_size",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        *,
        connection_pool_size: int = 32,
        read_timeout: float | None = DEFAULT_READ_TIMEOUT_S,
        write_timeout: float | None = DEFAULT_WRITE_TIMEOUT_S,
        connect_timeout: float | None = DEFAULT_CONNECT_TIMEOUT_S,
        pool_timeout: float | None = DEFAULT_POOL_TIMEOUT_S,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("this AiohttpRequest is not initialized")
        files = request_data is not None and request_data.contains_files
        pool = _given(pool_timeout, self._pool_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        read = _given(read_timeout, self._read_timeout)
        write = _given(
            write_timeout, DEFAULT_MEDIA_WRITE_TIMEOUT_S if files else self._write_timeout
        )
        timeout = aiohttp.ClientTimeout(
            total=_sum(pool, connect, write, read),
            connect=_sum(pool, connect),  # aiohttp's `connect` includes waiting for the pool
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's timeouts are TimeoutErrors too
            raise TimedOut(redact(f"aiohttp: {type(error).__name__}: {error}")) from None
        except Exception as error:  # python-telegram-bot would wrap it with its repr, URL and all
            raise NetworkError(redact(f"aiohttp.{type(error).__name__}: {error}")) from None


def _given(value: Any, default: float | None) -> float | None:
    """The timeout passed for this call, or this request object's default."""
    if value is BaseRequest.DEFAULT_NONE:
        return default
    return None if value is None else float(value)


def _sum(*timeouts: float | None) -> float | None:
    """A bound made of several timeouts; none when any of them is unbounded."""
    if any(timeout is None for timeout in timeouts):
        return None
    return sum(timeout for timeout in timeouts if timeout is not None)


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """Form fields as python-telegram-bot encodes them; multipart when files go along."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    files = request_data.multipart_data
    if not files:
        return fields
    form = aiohttp.FormData(fields)
    for name, (filename, content, mime_type) in files.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form
