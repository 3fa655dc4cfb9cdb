"""Benchmark: `lotgenoot report` on 10,000 participants (with peer groups) from SQLite.

Run with `.venv/bin/python -m bench.report_bench [--participants N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any
from unittest import mock

from bench.export_bench import STUDY_FILE, insert_trial, migrated_sqlite, read_database, timed
from experiments import analysis
from experiments.allocation import Pseudonymizer
from experiments.analysis import prespecified
from experiments.outputs import TrialSettings, build_tables, simulate_trial
from experiments.outputs.report import write_report
from experiments.protocol import Protocol, load_protocol


def _fill(path: Path, participants: int) -> None:
    settings = TrialSettings(
        participants=participants,
        effects={"peer": 1.5, "text": 1.2},
        grouped_arms=("peer",),
        group_sd=0.2,
    )
    insert_trial(path, simulate_trial(settings).raw)


def _core(tables: dict[str, Any], protocol: Protocol, as_of: datetime) -> None:
    """The report's core: the CONSORT flow, the baseline table and the pre-specified models,
    without multiple imputation (a sensitivity analysis with a time line of its own)."""
    design = analysis.Design.from_protocol(protocol)
    analysis.flow(tables, design)
    analysis.baseline_table(tables, design)
    # prespecified.analyse calls mice_results by the name it imported
    with mock.patch.object(prespecified, "mice_results", return_value=[]):
        analysis.analyse(tables, protocol, as_of)


def main() -> None:
    """Fill a database with a simulated trial and time the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, default=10_000)
    participants = parser.parse_args().participants
    protocol = load_protocol(STUDY_FILE)
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        path, out = Path(folder) / "bench.db", Path(folder) / "report"
        print(f"report benchmark: {participants:,} participants")
        with timed("simulate and bulk insert (SQLite)", figures):
            url = migrated_sqlite(path)
            child = multiprocessing.get_context("fork").Process(
                target=_fill, args=(path, participants)
            )
            child.start()
            child.join()
        with timed("read database (one transaction)", figures):
            raw = asyncio.run(read_database(url))
        with timed("pseudonymize and tidy", figures):
            tables = build_tables(raw, Pseudonymizer("bench-key"), protocol=protocol)
        with timed("estimates alone (ITT, ICC, power)", figures):
            design = analysis.Design.from_protocol(protocol)
            people = analysis.per_participant(tables, design, raw.as_of)
            estimates = analysis.itt_estimates(people, design)
            analysis.power_rows(people, design, estimates)
        with timed("core: CONSORT, baseline, ITT and ANCOVA models", figures):
            _core(tables, protocol, raw.as_of)
        with timed("the whole analysis, multiple imputation included", figures):
            analysis.analyse(tables, protocol, raw.as_of)
        micro = "none in this protocol" if protocol.micro_randomization is None else "in report"
        print(f"  micro-randomized analysis: {micro}")
        with timed("report (analysis, figures, HTML)", figures):
            page = write_report(tables, protocol, out, raw.as_of)
        events, groups = len(tables["events"]), len(tables["groups"])
        print(f"  rows: {len(people)} analysed, {events} events, {groups} peer groups")
        print(f"  wrote {page.name} and {len(list(out.glob('*.png')))} figures")
    skipped = ("simulate", "estimates", "core", "the whole analysis")
    total = sum(v for k, v in figures.items() if not k.startswith(skipped))
    print(f"report end to end: {total:.1f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the report: {peak:.0f} MB")


if __name__ == "__main__":
    main()
