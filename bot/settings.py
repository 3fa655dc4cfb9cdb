"""The one place Lotgenoot reads its environment (LOTGENOOT_* variables and an optional .env)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///lotgenoot.db"
DEFAULT_STUDY_FILE = Path("config/study.toml")


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


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's report into one line that names the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        variable = f"LOTGENOOT_{field.upper()}"
        raise SettingsError(
            f"{variable} is malformed ({first['msg']}): fix or unset {variable}"
        ) from None
