"""Logging set-up: key=value lines, and nothing that leaks the bot token."""

from __future__ import annotations

import logging


def configure_logging(level: str = "INFO") -> None:
    """Plain key=value logs; HTTP client loggers are quieted because their URLs hold the token."""
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
    )
    for noisy in ("httpx", "httpcore", "apscheduler", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
