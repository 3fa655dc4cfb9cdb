"""`lotgenoot linkage export|import` and the note of `codes create`, run as commands against a
real database (issue 29, build 5)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from bot.cli.linkage import LinkageError
from bot.cli.main import app
from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.study import Event, IntakeStep, Participant, Site
from bot.paths import shipped_config
from bot.services.linkage import code_hash
from tests.conftest import ENGINES

# the commands' own queries, on the engine a deployment chooses
pytestmark = pytest.mark.parametrize("database_url", ENGINES, indirect=True)

PSEUDONYM_KEY = "cli-linkage-pseudonym-key-0123456789"
LINKAGE_KEY = "cli-linkage-key-for-the-third-party"
LINKAGE = """
[[linkage.outcomes]]
name = "benefit_end"
type = "date"
source = "municipality"

[consent.linkage]
nl = "De gemeente geeft via een aparte partij met een code door of je uitkering stopte."
en = "Through a separate party, with a code, the municipality tells whether your benefit ended."
"""


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("LOTGENOOT_") and not name.startswith("LOTGENOOT_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


async def lotgenoot(database: Database, *args: str, linkage_key: bool = True) -> Result:
    env = {
        "LOTGENOOT_DATABASE_URL": database.url,
        "LOTGENOOT_PSEUDONYM_KEY": PSEUDONYM_KEY,
        "LOTGENOOT_LINKAGE_KEY": LINKAGE_KEY if linkage_key else "",
    }
    return await asyncio.to_thread(CliRunner().invoke, app, list(args), env=env)


@pytest.fixture
def study(tmp_path: Path) -> Path:
    file = tmp_path / "study.toml"
    file.write_text(shipped_config("study.toml").read_text("utf-8") + LINKAGE, "utf-8")
    return file


async def test_export_then_import_links_by_pseudonym_only(
    database: Database, clock: FakeClock, study: Path, tmp_path: Path
) -> None:
    async with database.transaction() as session:
        site = Site(name="Gouda", created_at=clock.now())
        session.add(site)
        await session.flush()
        session.add(
            Participant(
                telegram_user_id=7_712_345_678,
                site_id=site.id,
                language="nl",
                consent_version="1",
                consented_at=clock.now(),
                step=IntakeStep.DONE,
                code_hash=code_hash(LINKAGE_KEY, "abcdefgh2345"),
            )
        )
    hashes = tmp_path / "hashes.csv"

    exported = await lotgenoot(database, "linkage", "export", "--out", str(hashes))

    assert exported.exit_code == 0, exported.output
    [_header, row] = hashes.read_text("utf-8").splitlines()
    hashed, pseudonym = row.split(",")
    assert hashed == code_hash(LINKAGE_KEY, "abcdefgh2345")
    outcomes = tmp_path / "outcomes.csv"
    outcomes.write_text(
        f"pseudonym,benefit_end\n{pseudonym},2026-03-01\n0000000000000000,2026-03-01\n", "utf-8"
    )
    imported = await lotgenoot(database, "linkage", "import", str(outcomes), "--study", str(study))
    assert imported.exit_code == 0, imported.output
    assert imported.stdout.startswith("2 rows: 1 matched, 1 unmatched (rows 3), 0 duplicate")


async def test_an_identifying_column_is_refused_and_nothing_stored(
    database: Database, study: Path, tmp_path: Path
) -> None:
    outcomes = tmp_path / "outcomes.csv"
    outcomes.write_text("pseudonym,benefit_end,naam\n0123456789abcdef,2026-03-01,Sanne\n", "utf-8")

    result = await lotgenoot(database, "linkage", "import", str(outcomes), "--study", str(study))

    assert isinstance(result.exception, LinkageError)  # main() prints it in one line
    assert "nothing was stored" in str(result.exception)
    assert "column 'naam' is not allowed (it looks identifying)" in result.stderr
    async with database.snapshot() as session:
        assert await session.scalar(select(func.count()).select_from(Event)) == 0


async def test_codes_create_says_reusable_codes_link_nobody(database: Database) -> None:
    result = await lotgenoot(
        database, "codes", "create", "--site", "Gouda", "--reusable", "--bot", "lotgenoot_bot"
    )

    assert result.exit_code == 0, result.output
    assert "reusable codes cannot be linked to registry records" in result.stderr
    assert "start=" in result.stdout
