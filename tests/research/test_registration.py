"""`lotgenoot study register`: the analysis plan, the protocol's SHA-256, and the report's check."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import subprocess
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from typer.testing import CliRunner

from bot.cli.main import app as lotgenoot
from bot.cli.study import StudyError
from bot.clock import FakeClock
from bot.db.engine import Database
from bot.registrations import latest_registration
from experiments.protocol import changed_sections
from tests.experiments.shipped import FACTORIAL_FILE, STUDY_FILE

from .conftest import add_peer_group, app, populate


def register(database: Database | str, protocol: Path, out: Path) -> Any:
    arguments = ["study", "register", "--out", str(out), "--study", str(protocol)]
    url = database if isinstance(database, str) else database.url
    return CliRunner().invoke(lotgenoot, arguments, env={"LOTGENOOT_DATABASE_URL": url})


async def test_register_writes_the_plan_and_a_hash_sha256sum_accepts(
    database: Database, tmp_path: Path
) -> None:
    out = tmp_path / "sap"
    result = await asyncio.to_thread(register, database, STUDY_FILE, out)
    assert result.exit_code == 0, result.output
    digest = hashlib.sha256(STUDY_FILE.read_bytes()).hexdigest()
    assert f"sha256 {digest}" in result.output
    markdown = (out / "sap.md").read_text(encoding="utf-8")
    for heading in ("Design", "Arms", "Allocation", "Outcomes", "Models", "multiplicity",
                    "Sample size"):  # fmt: skip
        assert heading in markdown
    assert "| primary | deposits |" in markdown
    assert "Dunnett" in markdown
    html = (out / "sap.html").read_text(encoding="utf-8")
    assert "<h2>5. Models</h2>" in html
    command = ["sha256sum", "-c", "study.toml.sha256"]
    checked = await asyncio.to_thread(
        subprocess.run, command, cwd=out, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert (out / "study.toml.sha256").read_text().startswith(digest)
    registration = await latest_registration(database)
    assert registration is not None
    assert registration.sha256 == digest


async def test_the_report_says_it_was_analysed_as_registered(
    database: Database, clock: FakeClock, tmp_path: Path
) -> None:
    ids = await populate(database, clock)
    await add_peer_group(database, ids, clock)
    assert (
        await asyncio.to_thread(register, database, STUDY_FILE, tmp_path / "sap")
    ).exit_code == 0
    page = await report(database, STUDY_FILE, tmp_path / "report")
    digest = hashlib.sha256(STUDY_FILE.read_bytes()).hexdigest()
    assert f"Analysed as registered (protocol sha256 <code>{digest}</code>" in page


async def test_the_report_lists_the_sections_changed_since_registration(
    database: Database, clock: FakeClock, tmp_path: Path
) -> None:
    await populate(database, clock)
    protocol = tmp_path / "study.toml"
    shutil.copy(STUDY_FILE, protocol)
    assert (await asyncio.to_thread(register, database, protocol, tmp_path / "sap")).exit_code == 0
    text = protocol.read_text(encoding="utf-8")
    protocol.write_text(text.replace('multiplicity = "dunnett"', 'multiplicity = "bonferroni"'))
    page = await report(database, protocol, tmp_path / "report")
    assert "The protocol changed since registration" in page
    assert "Sections that differ: analysis." in page


async def test_without_a_registration_the_report_says_so(
    database: Database, clock: FakeClock, tmp_path: Path
) -> None:
    await populate(database, clock)
    page = await report(database, STUDY_FILE, tmp_path / "report")
    assert "has not been registered" in page


async def test_a_protocol_without_a_plan_cannot_be_registered(
    database: Database, tmp_path: Path
) -> None:
    text = STUDY_FILE.read_text(encoding="utf-8")
    protocol = tmp_path / "study.toml"
    protocol.write_text(text[: text.index("\n[analysis]")] + "\n", encoding="utf-8")
    result = await asyncio.to_thread(register, database, protocol, tmp_path / "sap")
    assert result.exit_code != 0
    assert await latest_registration(database) is None


def staging_folders(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith(".sap")]


async def test_registering_against_a_database_not_upgraded_writes_nothing_and_says_why(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"
    out = tmp_path / "sap"
    result = await asyncio.to_thread(register, url, STUDY_FILE, out)
    assert result.exit_code != 0
    assert isinstance(result.exception, StudyError)
    assert "not registered, nothing written" in str(result.exception)
    assert "lotgenoot db upgrade" in str(result.exception)
    assert not out.exists()
    assert not staging_folders(tmp_path)


async def test_a_plan_that_cannot_be_written_in_place_is_not_recorded(
    database: Database, tmp_path: Path
) -> None:
    out = tmp_path / "sap"
    out.write_text("not a folder", encoding="utf-8")
    result = await asyncio.to_thread(register, database, STUDY_FILE, out)
    assert isinstance(result.exception, StudyError)
    assert f"not registered: cannot write to {out}" in str(result.exception)
    assert await latest_registration(database) is None
    assert out.read_text(encoding="utf-8") == "not a folder"
    assert not staging_folders(tmp_path)


async def test_registering_again_replaces_the_plan_and_its_hash_together(
    database: Database, tmp_path: Path
) -> None:
    out, protocol = tmp_path / "sap", tmp_path / "study.toml"
    shutil.copy(STUDY_FILE, protocol)
    assert (await asyncio.to_thread(register, database, protocol, out)).exit_code == 0
    text = protocol.read_text(encoding="utf-8")
    protocol.write_text(text.replace('multiplicity = "dunnett"', 'multiplicity = "bonferroni"'))
    assert (await asyncio.to_thread(register, database, protocol, out)).exit_code == 0
    digest = hashlib.sha256(protocol.read_bytes()).hexdigest()
    assert (out / "study.toml.sha256").read_text().startswith(digest)
    assert "Bonferroni" in (out / "sap.md").read_text(encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == [
        "sap.html", "sap.md", "study.toml", "study.toml.sha256"
    ]  # fmt: skip


def test_comments_and_layout_are_not_a_change() -> None:
    text = FACTORIAL_FILE.read_text(encoding="utf-8")
    assert changed_sections(text, "# a new comment\n" + text) == []
    assert changed_sections(text, text.replace('version = "1.0"', 'version = "1.1"')) == ["study"]


async def test_the_registration_table_matches_its_migration(database: Database) -> None:
    def differences(connection: Connection) -> list[Any]:
        from bot.db.base import Base

        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [
            d
            for d in compare_metadata(context, Base.metadata)
            if "protocol_registrations" in str(d)
        ]

    async with database.engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def report(database: Database, protocol: Path, out: Path) -> str:
    arguments = ["report", "--out", str(out), "--study", str(protocol)]
    env = {"LOTGENOOT_DATABASE_URL": database.url}
    result = await asyncio.to_thread(CliRunner().invoke, app, arguments, env=env)
    assert result.exit_code == 0, result.output
    return (out / "report.html").read_text(encoding="utf-8")
