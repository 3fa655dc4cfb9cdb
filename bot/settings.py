"""The one place Lotgenoot reads its environment (LOTGENOOT_* variables and an optional .env)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///lotgenoot.db"
DEFAULT_STUDY_FILE = Path("config/study.toml")
# A secret shorter than this (after stripping spaces) is guessable: refused, with how to make one.
MIN_SECRET_BYTES = 16
GENERATE_SECRET = "python3 -c 'import secrets; print(secrets.token_hex(32))'"
# Telegram's rule for setWebhook's secret_token.
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line a person can act on."""


class Settings(BaseSettings):
    """Runtime configuration; secrets stay out of logs through SecretStr."""

    model_config = SettingsConfigDict(
        env_prefix="LOTGENOOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    bot_token: SecretStr | None = None
    telegram_api_url: str = DEFAULT_TELEGRAM_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    study_file: Path = DEFAULT_STUDY_FILE
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    pseudonym_key: SecretStr | None = None
    allocation_seed: SecretStr | None = None
    # keys the hash of each single-use enrollment code (registry linkage); shared with the
    # trusted third party, never with the municipality's data team
    linkage_key: SecretStr | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    port: int = Field(default=8080, ge=1, le=65535)
    timezone: str = "Europe/Amsterdam"
    scan_interval_s: float = Field(default=60.0, gt=0, le=3600)
    log_level: str = "INFO"
    # messages/s the outbox sends overall, against Telegram's 30/s; raise it only for a bot
    # Telegram allows more (paid broadcasts)
    send_rate: float = Field(default=29.0, gt=0, le=1000)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: object) -> object:
        """Accept "1,2 3" as well as a list, because env values are plain strings."""
        if isinstance(value, str):
            parts = value.replace(",", " ").split()
            return frozenset(int(part) for part in parts)
        return value

    @field_validator(
        "pseudonym_key", "allocation_seed", "linkage_key", "webhook_secret", mode="before"
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """`LOTGENOOT_PSEUDONYM_KEY=` (as in .env.example) means not set, not a weak key."""
        return None if value == "" else value

    @field_validator("pseudonym_key", "allocation_seed", "linkage_key", "webhook_secret")
    @classmethod
    def _strong_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None:
            return None
        secret = value.get_secret_value()
        size = len(secret.strip().encode())
        if size < MIN_SECRET_BYTES:
            raise ValueError(
                f"is too short to be secret ({size} bytes, at least {MIN_SECRET_BYTES}): "
                f"generate one with `{GENERATE_SECRET}`"
            )
        if info.field_name == "webhook_secret" and not _WEBHOOK_SECRET.match(secret):
            raise ValueError(
                "may hold only A-Z, a-z, 0-9, _ and - (at most 256 characters), as Telegram "
                f"requires: generate one with `{GENERATE_SECRET}`"
            )
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    def require_bot_token(self) -> str:
        """The token, or a SettingsError that says how to get going without one."""
        if self.bot_token is None or not self.bot_token.get_secret_value().strip():
            raise SettingsError(
                "LOTGENOOT_BOT_TOKEN is not set: set LOTGENOOT_BOT_TOKEN "
                "(a token from @BotFather), or try `lotgenoot demo`"
            )
        return self.bot_token.get_secret_value().strip()


def require_allocation_seed(settings: Settings) -> str:
    """The allocation seed, or a SettingsError that says how to make one."""
    if settings.allocation_seed is None or not settings.allocation_seed.get_secret_value():
        raise SettingsError(
            "LOTGENOOT_ALLOCATION_SEED is not set: generate one with "
            "`python3 -c 'import secrets; print(secrets.token_hex(32))'` and keep it secret"
        )
    return settings.allocation_seed.get_secret_value()


def require_pseudonym_key(settings: Settings) -> str:
    """The pseudonym key, or a SettingsError that says how to make one."""
    if settings.pseudonym_key is None:
        raise SettingsError(
            "LOTGENOOT_PSEUDONYM_KEY is not set: the bot keys returning people and exports with "
            f"it; generate one with `{GENERATE_SECRET}`, keep it secret and never change it"
        )
    return settings.pseudonym_key.get_secret_value()


def linkage_key(settings: Settings) -> str | None:
    """The linkage key, or None: without it no enrollment code is hashed and nobody is linked."""
    if settings.linkage_key is None:
        return None
    return settings.linkage_key.get_secret_value().strip() or None


_SECRETS = frozenset({"pseudonym_key", "allocation_seed", "linkage_key", "webhook_secret"})


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's report into one line that names the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        variable = f"LOTGENOOT_{field.upper()}"
        if field in _SECRETS and first["type"] == "value_error":
            raise SettingsError(f"{variable} {first['ctx']['error']}") from None
        raise SettingsError(
            f"{variable} is malformed ({first['msg']}): fix or unset {variable}"
        ) from None
