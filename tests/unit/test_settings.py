from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

SECRETS = (
    "LOTGENOOT_ALLOCATION_SEED",
    "LOTGENOOT_PSEUDONYM_KEY",
    "LOTGENOOT_LINKAGE_KEY",
    "LOTGENOOT_WEBHOOK_SECRET",
)
STRONG = "3f9c2a7d41e08b6c5d2e9f1a0b7c4d8e"  # 32 hex characters, as token_hex(16) makes


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("LOTGENOOT_BOT_TOKEN", "LOTGENOOT_ADMIN_IDS", "LOTGENOOT_PORT", *SECRETS):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_missing_token_names_the_variable_and_the_demo() -> None:
    settings = load_settings()
    with pytest.raises(SettingsError) as excinfo:
        settings.require_bot_token()
    assert "LOTGENOOT_BOT_TOKEN" in str(excinfo.value)
    assert "lotgenoot demo" in str(excinfo.value)


def test_admin_ids_accept_commas_and_spaces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOTGENOOT_ADMIN_IDS", "11, 22 33")
    assert load_settings().admin_ids == frozenset({11, 22, 33})


def test_malformed_setting_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOTGENOOT_PORT", "eighty")
    with pytest.raises(SettingsError) as excinfo:
        load_settings()
    message = str(excinfo.value)
    assert "LOTGENOOT_PORT" in message
    assert "\n" not in message


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    Path(".env").write_text("LOTGENOOT_BOT_TOKEN=123:abc\n", encoding="utf-8")
    assert load_settings().require_bot_token() == "123:abc"


def test_token_never_shows_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOTGENOOT_BOT_TOKEN", "123:very-secret")
    assert "very-secret" not in repr(load_settings())


@pytest.mark.parametrize("variable", SECRETS)
@pytest.mark.parametrize("weak", [" ", "1", "x", "a", "short-secret-15", " " * 20 + "abc"])
def test_weak_secret_is_refused_in_one_line_that_says_how_to_make_one(
    monkeypatch: pytest.MonkeyPatch, variable: str, weak: str
) -> None:
    monkeypatch.setenv(variable, weak)
    with pytest.raises(SettingsError) as excinfo:
        load_settings()
    message = str(excinfo.value)
    assert message.startswith(variable)
    assert "secrets.token_hex(32)" in message
    assert "\n" not in message


@pytest.mark.parametrize("variable", SECRETS)
def test_strong_secret_is_accepted_as_given(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv(variable, STRONG)
    secret = getattr(load_settings(), variable.removeprefix("LOTGENOOT_").lower())
    assert secret.get_secret_value() == STRONG


@pytest.mark.parametrize("variable", SECRETS)
def test_empty_secret_counts_as_not_set(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv(variable, "")
    assert getattr(load_settings(), variable.removeprefix("LOTGENOOT_").lower()) is None


@pytest.mark.parametrize(
    "secret", ["long-enough but has spaces", "long-enough-but-has-a-dot.", "ü" * 16, "a" * 257]
)
def test_webhook_secret_outside_telegrams_characters_is_refused(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("LOTGENOOT_WEBHOOK_SECRET", secret)
    with pytest.raises(SettingsError) as excinfo:
        load_settings()
    assert str(excinfo.value).startswith("LOTGENOOT_WEBHOOK_SECRET may hold only A-Z")
