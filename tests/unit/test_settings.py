from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name in ("LOTGENOOT_BOT_TOKEN", "LOTGENOOT_ADMIN_IDS", "LOTGENOOT_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]


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


def test_dotenv_file_is_read(tmp_path: object) -> None:
    from pathlib import Path

    Path(".env").write_text("LOTGENOOT_BOT_TOKEN=123:abc\n", encoding="utf-8")
    assert load_settings().require_bot_token() == "123:abc"


def test_token_never_shows_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOTGENOOT_BOT_TOKEN", "123:very-secret")
    assert "very-secret" not in repr(load_settings())
