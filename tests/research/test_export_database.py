"""`lotgenoot export` on a real database: every format, no identity in any file, stable ids."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pandas as pd  # type: ignore[import-untyped]  # pandas ships no type hints
import pyreadstat
from sqlalchemy import text
from typer.testing import CliRunner, Result

from bot.cli.research import ResearchError
from bot.clock import FakeClock
from bot.db.engine import Database
from bot.research import read_trial
from experiments.allocation import Pseudonymizer
from experiments.outputs import build_tables
from experiments.outputs.group_week_export import GROUP_WEEK_COLUMNS
from tests.experiments.shipped import STUDY_FILE

from .conftest import (
    GROUP_CHAT_ID,
    KEY,
    TELEGRAM_IDS,
    add_peer_group,
    app,
    needles,
    populate,
)

FORMATS = ("csv", "parquet", "spss", "stata")


def lotgenoot(*args: str, **env: str) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


async def export_to(database: Database, out: Path, *options: str, key: str = KEY) -> Result:
    """`lotgenoot export` on this database, run beside the test's event loop."""
    env = {"LOTGENOOT_DATABASE_URL": database.url, "LOTGENOOT_PSEUDONYM_KEY": key}
    arguments = ["export", "--out", str(out), "--study", str(STUDY_FILE), *options]
    result = await asyncio.to_thread(lotgenoot, *arguments, **env)
    assert result.exit_code == 0, result.output
    return result


def decoded(path: Path) -> list[object]:
    """Every cell, column name and label in a file, read back with the format's own reader."""
    if path.suffix in (".csv", ".md"):
        return [path.read_text(encoding="utf-8")]
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path)
        meta: list[object] = []
    else:
        reader = pyreadstat.read_sav if path.suffix == ".sav" else pyreadstat.read_dta
        frame, info = reader(str(path))
        meta = [info.column_names_to_labels, info.variable_value_labels]
    return [*frame.columns, *frame.to_numpy().ravel().tolist(), *map(str, meta)]


def leaks(out: Path) -> list[str]:
    """Identifying values found in any file's bytes or decoded content."""
    found = []
    for path in sorted(out.iterdir()):
        raw = path.read_bytes().lower()
        cells = decoded(path)
        text = "\n".join(map(str, cells)).lower()
        numbers = {c for c in cells if isinstance(c, int | float)}
        for needle in needles():
            if needle.lower().encode() in raw or needle.lower() in text:
                found.append(f"{path.name}: {needle}")
        for number in (*TELEGRAM_IDS, GROUP_CHAT_ID):
            if number in numbers:
                found.append(f"{path.name}: {number} as a number")
    return found


async def test_no_telegram_id_name_or_username_in_any_format(
    database: Database, clock: FakeClock, tmp_path: Path
) -> None:
    ids = await populate(database, clock)
    await add_peer_group(database, ids, clock)
    for file_format in FORMATS:
        out = tmp_path / file_format
        await export_to(database, out, "--format", file_format)
        assert len(list(out.iterdir())) == 15  # 13 tables (2 of dose), 2 codebook files
        assert leaks(out) == []


async def test_the_scan_would_see_a_leak(
    database: Database, clock: FakeClock, tmp_path: Path
) -> None:
    await populate(database, clock)
    await export_to(database, tmp_path / "out", "--format", "parquet")
    (tmp_path / "out" / "planted.csv").write_text(f"x\n{TELEGRAM_IDS[2]}\n", encoding="utf-8")
    assert leaks(tmp_path / "out") == [f"planted.csv: {TELEGRAM_IDS[2]}"]


async def test_export_keeps_outcomes_and_simple_details(
    database: Database, clock: FakeClock, tmp_path: Path
) -> None:
    ids = await populate(database, clock)
    await add_peer_group(database, ids, clock)
    await export_to(database, tmp_path)
    people = pd.read_csv(tmp_path / "participants.csv")
    events = pd.read_csv(tmp_path / "events.csv")
    groups = pd.read_csv(tmp_path / "groups.csv")
    members = pd.read_csv(tmp_path / "memberships.csv")
    messages = pd.read_csv(tmp_path / "messages.csv")
    assert len(people) == 5
    assert set(people["arm"]) <= {"peer", "text", "control"}
    assert people["baseline_gse"].notna().all()
    assert list(people["status"]).count("erased") == 1
    assert {"detail_what", "detail_streak"} <= set(events.columns)
    assert not any(c for c in events.columns if "name" in c or "note" in c or "from" in c)
    assert {"telegram_chat_id", "code", "counsellor_id"}.isdisjoint(groups.columns)
    assert {"group_id", "arm", "formed_size", "status", "formed_at"} <= set(groups.columns)
    assert {"tag", "invite_link"}.isdisjoint(members.columns)
    assert {"pseudonym", "group_id", "status", "joined_at"} <= set(members.columns)
    assert set(members["pseudonym"]) <= set(people["pseudonym"])
    weeks = pd.read_csv(tmp_path / "group_weeks.csv")
    assert list(weeks.columns) == list(GROUP_WEEK_COLUMNS)
    assert weeks[["plans", "reviews_yes", "goal_target"]].to_numpy().tolist() == [[2, 1, 3500]]
    assert sorted(messages["status"]) == ["failed"] * 5 + ["sent"] * 5
    group_events = pd.read_csv(tmp_path / "group_events.csv")
    assert list(group_events.columns) == [
        "group_event_id", "group_id", "kind", "week_start", "via", "quantity", "occurred_at"
    ]  # fmt: skip
    # one table for every event without a person: a host week and a counsellor's post
    assert list(group_events["kind"]) == ["host_week", "counsellor_post"]
    assert group_events["via"].fillna("").tolist() == ["", "chat"]
    assert set(group_events["group_id"]) == set(groups["group_id"])
    assert list(messages.columns) == [
        "pseudonym", "kind", "status", "chat_type", "created_at", "sent_at"
    ]  # fmt: skip


async def test_without_groups_the_group_files_are_empty(
    database: Database, clock: FakeClock, tmp_path: Path
) -> None:
    await populate(database, clock)
    await export_to(database, tmp_path)
    assert pd.read_csv(tmp_path / "groups.csv").empty
    assert pd.read_csv(tmp_path / "memberships.csv").empty


async def test_a_schema_without_group_tables_reads_no_groups(
    database: Database, clock: FakeClock
) -> None:
    ids = await populate(database, clock)
    await add_peer_group(database, ids, clock)
    async with database.transaction() as session:
        # As if the peer-group tables had never been made.
        await session.execute(text("ALTER TABLE group_members RENAME TO archived_members"))
        await session.execute(text("ALTER TABLE peer_groups RENAME TO archived_groups"))
    raw = await read_trial(database, clock.now())
    tables = build_tables(raw, Pseudonymizer(KEY))
    assert "groups" not in raw.frames
    assert tables["groups"].empty
    assert tables["memberships"].empty


async def test_pseudonyms_are_stable_across_exports_and_change_with_the_key(
    database: Database, clock: FakeClock, tmp_path: Path
) -> None:
    await populate(database, clock)
    await export_to(database, tmp_path / "first")
    await export_to(database, tmp_path / "second")
    await export_to(database, tmp_path / "other", key="another-pseudonym-key")
    first, second, other = (
        pd.read_csv(tmp_path / name / "participants.csv")["pseudonym"]
        for name in ("first", "second", "other")
    )
    assert list(first) == list(second)
    assert first.str.fullmatch(r"[0-9a-f]{16}").all()
    assert not set(first) & set(other)


async def test_shifted_dates_move_each_person_but_keep_their_intervals(
    database: Database, clock: FakeClock, tmp_path: Path
) -> None:
    await populate(database, clock)
    await export_to(database, tmp_path / "plain")
    await export_to(database, tmp_path / "shifted", "--shift-dates")
    plain, shifted = (
        pd.read_csv(tmp_path / name / "events.csv", parse_dates=["occurred_at"])
        .merge(
            pd.read_csv(tmp_path / name / "participants.csv", parse_dates=["allocated_at"]),
            on="pseudonym",
        )
        .sort_values("event_id")
        for name in ("plain", "shifted")
    )
    offsets = (plain["occurred_at"] - shifted["occurred_at"]).dt.total_seconds() / 86400
    assert ((offsets >= 1) & (offsets <= 365) & (offsets % 1 == 0)).all()
    assert (
        plain.groupby("pseudonym")["occurred_at"]
        .diff()
        .equals(shifted.groupby("pseudonym")["occurred_at"].diff())
    )
    assert (
        (plain["occurred_at"] - plain["allocated_at"])
        == (shifted["occurred_at"] - shifted["allocated_at"])
    ).all()
    assert offsets.groupby(plain["pseudonym"]).nunique().eq(1).all()
    assert offsets.nunique() > 1
    assert "hash" not in pd.read_csv(tmp_path / "shifted" / "allocations.csv").columns


async def test_the_same_key_shifts_the_same_way_twice(
    database: Database, clock: FakeClock, tmp_path: Path
) -> None:
    await populate(database, clock)
    await export_to(database, tmp_path / "a", "--shift-dates")
    await export_to(database, tmp_path / "b", "--shift-dates")
    a, b = (pd.read_csv(tmp_path / n / "events.csv") for n in ("a", "b"))
    assert a["occurred_at"].equals(b["occurred_at"])


async def test_spss_and_stata_files_carry_variable_and_value_labels(
    database: Database, clock: FakeClock, tmp_path: Path
) -> None:
    await populate(database, clock)
    for file_format, suffix in (("spss", "sav"), ("stata", "dta")):
        await export_to(database, tmp_path / file_format, "--format", file_format)
        reader = pyreadstat.read_sav if suffix == "sav" else pyreadstat.read_dta
        frame, meta = reader(str(tmp_path / file_format / f"participants.{suffix}"))
        assert meta.column_names_to_labels["arm"] == "Allocated arm"
        arms = meta.variable_value_labels["arm"]
        assert sorted(arms.values()) == ["control", "peer", "text"]
        assert {arms[code] for code in frame["arm"]} <= {"control", "peer", "text"}
        assert set(meta.variable_value_labels["status"].values()) >= {"active", "erased"}
        _, events = reader(str(tmp_path / file_format / f"events.{suffix}"))
        assert "deposit" in events.variable_value_labels["kind"].values()


def test_export_without_a_key_names_the_variable(tmp_path: Path) -> None:
    result = lotgenoot("export", "--out", str(tmp_path), "--study", str(STUDY_FILE))
    assert isinstance(result.exception, ResearchError)
    assert "LOTGENOOT_PSEUDONYM_KEY" in str(result.exception)


def test_export_with_a_broken_protocol_is_one_line(tmp_path: Path) -> None:
    env = {"LOTGENOOT_PSEUDONYM_KEY": KEY}
    missing = tmp_path / "nope.toml"
    result = lotgenoot("export", "--out", str(tmp_path), "--study", str(missing), **env)
    assert isinstance(result.exception, ResearchError)
    assert str(result.exception).startswith(f"{missing}: cannot read the file")
