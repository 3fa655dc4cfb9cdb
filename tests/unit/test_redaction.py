"""The logging filter: no bot token, no kept secret, no PostgreSQL row values in any line."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.logs import RedactingFilter
from bot.redaction import keep_secret

TOKEN = "123456789:AAEhBOweik6ad6PsVMRxjeQKJ3ki7ch0BAd"


@pytest.fixture
def log_output() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    output = io.StringIO()
    handler = logging.StreamHandler(output)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    yield logger, output
    logger.removeHandler(handler)
    logger.propagate = True


def test_token_in_arguments_and_tracebacks_is_redacted(
    log_output: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, output = log_output
    url = f"https://api.telegram.org/bot{TOKEN}/getMe"
    try:
        raise TimeoutError(f"Connection timeout to host {url}")
    except TimeoutError:
        logger.exception("call failed url=%s", url)
    written = output.getvalue()
    assert "TimeoutError: Connection timeout to host" in written
    assert "/bot<redacted>/getMe" in written
    assert "AAEhBOweik" not in written


def test_kept_secret_is_redacted_wherever_it_appears(
    log_output: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, output = log_output
    keep_secret("webhook-secret-for-redaction-test")
    logger.warning("header was %s", "webhook-secret-for-redaction-test")
    assert "webhook-secret-for-redaction-test" not in output.getvalue()


def test_postgresql_detail_with_row_values_is_withheld(
    log_output: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, output = log_output
    detail = "duplicate key value\nDETAIL:  Key (telegram_user_id)=(987654321) already exists."
    logger.error("write failed: %s", detail)
    written = output.getvalue()
    assert "DETAIL:  <redacted>" in written
    assert "987654321" not in written


def test_a_telegram_payload_dump_keeps_the_event_but_not_the_data(
    log_output: tuple[logging.Logger, io.StringIO],
) -> None:
    _, output = log_output
    ptb = logging.getLogger("telegram.Bot")
    handler = logging.getLogger("tests.redaction").handlers[0]
    ptb.addHandler(handler)
    try:
        ptb.critical("Error while parsing updates! Received data was %r", [{"name": "Sanne"}])
    finally:
        ptb.removeHandler(handler)
    written = output.getvalue()
    assert "Error while parsing updates (data withheld)" in written
    assert "Sanne" not in written
