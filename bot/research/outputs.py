"""The export and the report (and the console's headline estimates), from one read."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.db.engine import Database
from bot.registrations import latest_registration
from bot.research.reading import read_trial
from experiments.allocation import Pseudonymizer
from experiments.outputs import ExportFormat, build_codebook, build_tables, write_export
from experiments.protocol import Protocol

if TYPE_CHECKING:
    from experiments.analysis import Estimate


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote."""

    paths: list[Path]
    participants: int
    events: int


async def export_trial(
    database: Database,
    out: Path,
    *,
    key: str,
    protocol: Protocol,
    file_format: ExportFormat = "csv",
    shift_dates: bool = False,
    as_of: datetime,
) -> ExportResult:
    """Read the database and write the pseudonymized tables and codebook into `out`."""
    raw = await read_trial(database, as_of)

    def _write() -> ExportResult:
        tables = build_tables(raw, Pseudonymizer(key), shift_dates=shift_dates, protocol=protocol)
        raw.frames.clear()  # the raw rows are not needed any more: free them before writing
        paths = write_export(tables, build_codebook(tables, protocol), out, file_format)
        return ExportResult(paths, len(tables["participants"]), len(tables["events"]))

    # Tidying and writing take seconds on a big trial: off the event loop (the demo runs a bot).
    return await asyncio.to_thread(_write)


async def report_trial(
    database: Database,
    out: Path,
    *,
    protocol: Protocol,
    as_of: datetime,
    micro_truth: Mapping[str, float] | None = None,
) -> Path:
    """Read the database and write report.html with its figures into `out`; its path.
    `micro_truth`: a simulation's known excursion effects, shown beside the estimates."""
    from experiments.outputs.report import write_report  # the statistics stack: not for exports

    raw = await read_trial(database, as_of)
    registration = await latest_registration(database)

    def _write() -> Path:
        # The report shows no pseudonyms, so it needs no key: a throwaway one will do.
        tables = build_tables(raw, Pseudonymizer(secrets.token_hex(32)), protocol=protocol)
        return write_report(
            tables, protocol, out, raw.as_of, registration=registration, micro_truth=micro_truth
        )

    return await asyncio.to_thread(_write)


async def estimate_trial(
    database: Database, *, protocol: Protocol, as_of: datetime
) -> list[Estimate]:
    """The intention-to-treat estimates the report shows, for a headline on the console."""
    from experiments.analysis import Design, itt_estimates, per_participant

    raw = await read_trial(database, as_of)

    def _estimate() -> list[Estimate]:
        tables = build_tables(raw, Pseudonymizer(secrets.token_hex(32)), protocol=protocol)
        design = Design.from_protocol(protocol)
        return itt_estimates(per_participant(tables, design, raw.as_of), design)

    return await asyncio.to_thread(_estimate)
