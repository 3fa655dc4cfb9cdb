"""Logging set-up: key=value lines, and nothing that leaks the bot token."""

from __future__ import annotations

import logging
from pathlib import Path


def configure_logging(level: str = "INFO", *, filename: Path | None = None) -> None:
    """Plain key=value logs; HTTP client loggers are quieted because their URLs hold the token."""
    if filename is not None:
        filename.parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
        filename=filename,
    )
    for noisy in ("httpx", "httpcore", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # "skipped: maximum number of running instances" only means a scan outlasted its interval.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
