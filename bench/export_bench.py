"""Benchmark: `lotgenoot export` of 1,000,000 events from SQLite, as CSV and as Parquet.

Run with `.venv/bin/python -m bench.export_bench [--events N]`. The database is filled with
simulated rows by plain sqlite3 bulk inserts (after the real migrations), then the export's
own code reads, pseudonymizes and writes it, each step timed (wall clock, and the process's
CPU time beside it: on a busy shared machine the CPU time varies less).

Then it runs `lotgenoot export` itself, in a process of its own as a researcher would, once
per format, and prints its wall-clock time and peak memory (the child's `ru_maxrss`): that
includes starting Python and loading the libraries, which the steps above do not.

Targets (issue 19): CSV end to end (read + tidy + write) under 10 s, Parquet under 5 s, peak
memory of the export under 500 MB, on a 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd  # type: ignore[import-untyped]  # pandas ships no type hints

from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.research import read_trial
from experiments.allocation import Pseudonymizer
from experiments.outputs import (
    RawTrial,
    TrialSettings,
    build_codebook,
    build_tables,
    simulate_trial,
    write_export,
)
from experiments.protocol import Protocol, load_protocol

PSEUDONYM_KEY = "bench-pseudonym-key-0123456789abcdef"
STUDY_FILE = Path(__file__).resolve().parents[1] / "config" / "study.toml"
# Simulated frame -> table; columns the schema requires but the simulation lacks are filled in.
_TABLES = {
    "sites": "sites",
    "consent_refusals": "consent_refusals",
    "participants": "participants",
    "allocations": "allocations",
    "events": "events",
    "survey_answers": "survey_answers",
    "messages": "outbox_messages",
    "groups": "peer_groups",
    "memberships": "group_members",
}


@contextmanager
def timed(label: str, figures: dict[str, float]) -> Iterator[None]:
    """Time a block and print it."""
    start, cpu = time.perf_counter(), time.process_time()
    yield
    figures[label] = time.perf_counter() - start
    used = time.process_time() - cpu
    print(f"  {label:<34} {figures[label]:8.2f} s   (CPU {used:.2f} s)", flush=True)


def migrated_sqlite(path: Path) -> str:
    """A fresh SQLite database at `path`, migrated to head; its URL."""
    url = f"sqlite+aiosqlite:///{path}"

    async def _migrate() -> None:
        database = Database(url)
        await upgrade(database)
        await database.dispose()

    asyncio.run(_migrate())
    return url


def insert_trial(path: Path, raw: RawTrial) -> None:
    """Bulk-insert simulated rows (sqlite3 executemany, one transaction)."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous=OFF")  # a throwaway database: no need to fsync
    try:
        with connection:
            for frame_name, table in _TABLES.items():
                frame = raw.frames.get(frame_name)
                if frame is not None and _exists(connection, table):
                    _insert(connection, table, _prepared(frame_name, frame))
    finally:
        connection.close()


def _exists(connection: sqlite3.Connection, table: str) -> bool:
    query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return connection.execute(query, (table,)).fetchone() is not None


def _prepared(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    if name == "participants":
        frame["telegram_user_id"] = frame["id"] + 5_000_000_000
    if name == "sites":
        frame["created_at"] = datetime(2026, 1, 1, tzinfo=UTC)
    if name == "events":
        frame["detail"] = ['{"what": "school"}' if i % 10 == 0 else "{}" for i in range(len(frame))]
        frame["dedupe_key"] = "sim:" + frame["id"].astype(str)
    if name == "messages":
        frame["intent_key"] = [f"sim:{i}" for i in range(len(frame))]
        frame["chat_id"] = frame["participant_id"] + 5_000_000_000
        frame["method"], frame["payload"], frame["attempts"] = "sendMessage", "{}", 1
        frame["not_before"] = frame["created_at"]
    if name == "groups":
        frame["arm"], frame["language"], frame["status"] = "peer", "nl", "active"
    if name == "memberships":
        frame["status"] = "joined"
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            naive = frame[column].dt.tz_convert(UTC).dt.tz_localize(None)
            frame[column] = naive.dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    return frame


def _insert(connection: sqlite3.Connection, table: str, frame: pd.DataFrame) -> None:
    columns = {row[1]: row for row in connection.execute(f"PRAGMA table_info({table})")}
    frame = frame[[c for c in frame.columns if c in columns]].copy()
    for name, (_cid, _name, kind, not_null, default, primary) in columns.items():
        if name not in frame.columns and not_null and default is None and not primary:
            filler = range(len(frame)) if "INT" in kind.upper() else None
            frame[name] = list(filler) if filler else [f"{name}-{i}" for i in range(len(frame))]
    rows = frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None)
    marks = ", ".join("?" for _ in frame.columns)
    statement = f"INSERT INTO {table} ({', '.join(frame.columns)}) VALUES ({marks})"
    connection.executemany(statement, rows)


def export_once(url: str, protocol: Protocol, out: Path, figures: dict[str, float]) -> None:
    """The export's own steps on the database, each timed."""
    with timed("read database", figures):
        raw = asyncio.run(read_database(url))
    with timed("pseudonymize and tidy", figures):
        tables = build_tables(raw, Pseudonymizer("bench-key"), protocol=protocol)
        raw.frames.clear()  # as `export_trial` does: the raw rows are not needed for writing
        variables = build_codebook(tables, protocol)
    for file_format in ("csv", "parquet"):
        with timed(f"write {file_format}", figures):
            write_export(tables, variables, out / file_format, file_format)
        size = sum(p.stat().st_size for p in (out / file_format).iterdir()) / 1e6
        print(f"  {'':<34} {size:8.1f} MB in {out / file_format}")
    print(f"  rows: {len(tables['participants'])} participants, {len(tables['events'])} events")


async def read_database(url: str) -> RawTrial:
    """The trial as the export reads it."""
    database = Database(url)
    try:
        return await read_trial(database, datetime.now(UTC))
    finally:
        await database.dispose()


def populate(path: Path, events: int) -> str:
    """A migrated database with `events` simulated events (made in a child process, so the
    simulation's memory does not count as the export's); its URL."""
    url = migrated_sqlite(path)
    child = multiprocessing.get_context("fork").Process(target=_fill, args=(path, events))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit("filling the benchmark database failed")
    return url


def _fill(path: Path, events: int) -> None:
    settings = TrialSettings(
        participants=max(10, events // 100), weeks=20, deposit_rate=5.5, application_rate=5.5
    )
    raw = simulate_trial(settings).raw
    frames = {**raw.frames, "events": raw.frames["events"].head(events)}
    insert_trial(path, RawTrial(raw.as_of, frames))


def main() -> None:
    """Fill a database with simulated events and time the export in CSV and Parquet."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    events = parser.parse_args().events
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        print(f"export benchmark: {events:,} events, {max(10, events // 100):,} participants")
        with timed("simulate and bulk insert (SQLite)", figures):
            url = populate(path, events)
        print(f"  {'':<34} {path.stat().st_size / 1e6:8.1f} MB database")
        export_once(url, load_protocol(STUDY_FILE), Path(folder) / "out", figures)
        read_and_tidy = figures["read database"] + figures["pseudonymize and tidy"]
        for file_format in ("csv", "parquet"):
            total = read_and_tidy + figures[f"write {file_format}"]
            print(f"the steps as {file_format}: {total:.1f} s")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory of the steps (this process): {peak:.0f} MB")
        print("`lotgenoot export` as a researcher runs it (a process of its own):")
        for file_format in ("csv", "parquet"):
            seconds, megabytes = run_command(
                url, Path(folder) / "command" / file_format, file_format
            )
            print(f"export as {file_format}: {seconds:.1f} s end to end, peak {megabytes:.0f} MB")


# The child reports its own peak (VmHWM) as it exits: the rusage of a forked child would also
# count the memory of this process, which Linux carries over into the child's figure at exec.
_COMMAND = """
import atexit, sys
def _peak():
    status = open("/proc/self/status").read()
    print("peak-kb", status.split("VmHWM:")[1].split()[0], file=sys.stderr)
atexit.register(_peak)
from bot.cli.main import main
main()
"""


def run_command(url: str, out: Path, file_format: str) -> tuple[float, float]:
    """Run `lotgenoot export` in a child process; its wall-clock time and peak memory (MB)."""
    environment = {
        **os.environ,
        "LOTGENOOT_DATABASE_URL": url,
        "LOTGENOOT_PSEUDONYM_KEY": PSEUDONYM_KEY,
    }
    command = [sys.executable, "-c", _COMMAND, "export", "--out", str(out)]
    command += ["--study", str(STUDY_FILE), "--format", file_format]
    start = time.perf_counter()
    child = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if child.returncode != 0:
        raise SystemExit(f"lotgenoot export --format {file_format} failed:\n{child.stderr}")
    peak_kb = int(child.stderr.split("peak-kb")[-1].split()[0])
    return seconds, peak_kb / 1024


if __name__ == "__main__":
    main()
