"""The `lotgenoot` command as a person runs it: a separate process, real exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

STUDY = Path(__file__).resolve().parents[2] / "config" / "study.toml"
LOTGENOOT = [sys.executable, "-c", "from bot.cli.main import main; main()"]
SEED = "cli-test-allocation-seed-0123456789"
KEY = "cli-test-pseudonym-key-0123456789"


def lotgenoot(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LOTGENOOT_")}
    return subprocess.run(
        [*LOTGENOOT, *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_run_without_token_says_what_to_do_in_one_line(tmp_path: Path) -> None:
    result = lotgenoot("run", cwd=tmp_path)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "LOTGENOOT_BOT_TOKEN" in lines[0]
    assert "lotgenoot demo" in lines[0]


def test_malformed_setting_is_one_line(tmp_path: Path) -> None:
    result = lotgenoot("run", cwd=tmp_path, LOTGENOOT_DATABASE_URL="mysql://nope")
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert "LOTGENOOT_DATABASE_URL" in result.stderr


def test_run_refuses_a_database_that_is_behind(tmp_path: Path) -> None:
    result = lotgenoot(
        "run",
        cwd=tmp_path,
        LOTGENOOT_BOT_TOKEN="1:x",
        LOTGENOOT_STUDY_FILE=str(STUDY),
        LOTGENOOT_ALLOCATION_SEED=SEED,
        LOTGENOOT_PSEUDONYM_KEY=KEY,
    )
    assert result.returncode != 0
    assert "lotgenoot db upgrade" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_without_allocation_seed_says_how_to_make_one(tmp_path: Path) -> None:
    result = lotgenoot(
        "run", cwd=tmp_path, LOTGENOOT_BOT_TOKEN="1:x", LOTGENOOT_STUDY_FILE=str(STUDY)
    )
    assert result.returncode != 0
    assert "LOTGENOOT_ALLOCATION_SEED" in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_run_without_pseudonym_key_says_how_to_make_one(tmp_path: Path) -> None:
    result = lotgenoot(
        "run",
        cwd=tmp_path,
        LOTGENOOT_BOT_TOKEN="1:x",
        LOTGENOOT_STUDY_FILE=str(STUDY),
        LOTGENOOT_ALLOCATION_SEED=SEED,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "LOTGENOOT_PSEUDONYM_KEY" in lines[0]
    assert "secrets.token_hex(32)" in lines[0]


def test_run_refuses_a_weak_allocation_seed_in_one_line(tmp_path: Path) -> None:
    result = lotgenoot(
        "run",
        cwd=tmp_path,
        LOTGENOOT_BOT_TOKEN="1:x",
        LOTGENOOT_STUDY_FILE=str(STUDY),
        LOTGENOOT_ALLOCATION_SEED="1",
        LOTGENOOT_PSEUDONYM_KEY=KEY,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "LOTGENOOT_ALLOCATION_SEED" in lines[0]
    assert "secrets.token_hex(32)" in lines[0]


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    result = lotgenoot("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "lotgenoot.db").exists()


def test_version(tmp_path: Path) -> None:
    result = lotgenoot("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("lotgenoot ")


def test_codes_create_prints_one_deep_link_per_line(tmp_path: Path) -> None:
    assert lotgenoot("db", "upgrade", cwd=tmp_path).returncode == 0
    result = lotgenoot(
        "codes",
        "create",
        "--site",
        "Utrecht",
        "--count",
        "3",
        "--bot",
        "lotgenoot_bot",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    links = result.stdout.split()
    assert len(links) == 3
    assert len(set(links)) == 3
    assert all(link.startswith("https://t.me/lotgenoot_bot?start=") for link in links)


def test_invite_prints_a_one_time_link(tmp_path: Path) -> None:
    assert lotgenoot("db", "upgrade", cwd=tmp_path).returncode == 0
    result = lotgenoot("invite", "counsellor", "--bot", "lotgenoot_bot", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("https://t.me/lotgenoot_bot?start=staff_")
