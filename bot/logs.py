"""Logging set-up: key=value lines, and nothing that leaks the bot token or what people wrote."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.redaction import redact

# python-telegram-bot logs whole updates or API answers with these (a malformed update at
# CRITICAL, with names and texts; request parameters at DEBUG). The event is kept, its data not.
_CARRIES_DATA = (
    "Something went wrong processing the data received from Telegram",
    "Error while parsing updates",
    "Can not load invalid JSON data",
    "Webhook received data",
    "Processing update",
    "Dropping pending update",
    "Calling Bot API endpoint",
    "Call to Bot API endpoint",
)
WITHHELD = "(data withheld)"


class RedactingFilter(logging.Filter):
    """Rewrites each record: tokens and kept secrets redacted, Telegram's payload dumps dropped.

    Installed on the handlers (a logger's filter would miss records of its child loggers), so
    every line written, traceback included, has passed through it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        template = str(record.msg)
        carried = next((start for start in _CARRIES_DATA if template.startswith(start)), None)
        if carried is not None and record.name.startswith("telegram"):
            error = record.exc_info[1] if record.exc_info else None
            kind = f" error={type(error).__name__}" if error is not None else ""
            record.msg, record.args = f"{carried} {WITHHELD}{kind}", ()
            record.exc_info, record.exc_text = None, None
            return True
        record.msg, record.args = redact(record.getMessage()), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def configure_logging(level: str = "INFO", *, filename: Path | None = None) -> None:
    """Plain key=value logs through the redacting filter; HTTP client loggers are quieted."""
    if filename is not None:
        filename.parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
        filename=filename,
    )
    install_redaction(logging.getLogger())
    for noisy in ("httpx", "httpcore", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # "skipped: maximum number of running instances" only means a scan outlasted its interval.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)


def install_redaction(logger: logging.Logger) -> None:
    """Put the redacting filter on every handler of `logger` that lacks it."""
    for handler in logger.handlers:
        if not any(isinstance(known, RedactingFilter) for known in handler.filters):
            handler.addFilter(RedactingFilter())
