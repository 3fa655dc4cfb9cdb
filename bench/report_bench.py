"""Benchmark: `lotgenoot report` on 10,000 participants (with peer groups) from SQLite.

Run with `.venv/bin/python -m bench.report_bench [--participants N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import tempfile
from pathlib import Path

from bench.export_bench import STUDY_FILE, insert_trial, migrated_sqlite, read_database, timed
from experiments import analysis
from experiments.export import build_tables
from experiments.protocol import load_protocol
from experiments.pseudonyms import Pseudonymizer
from experiments.report import write_report
from experiments.simulate import TrialSettings, simulate_trial


def _fill(path: Path, participants: int) -> None:
    settings = TrialSettings(
        participants=participants,
        effects={"peer": 1.5, "text": 1.2},
        grouped_arms=("peer",),
        group_sd=0.2,
    )
    insert_trial(path, simulate_trial(settings).raw)


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
        with timed("report (analysis, figures, HTML)", figures):
            page = write_report(tables, protocol, out, raw.as_of)
        events, groups = len(tables["events"]), len(tables["groups"])
        print(f"  rows: {len(people)} analysed, {events} events, {groups} peer groups")
        print(f"  wrote {page.name} and {len(list(out.glob('*.png')))} figures")
    total = sum(v for k, v in figures.items() if not k.startswith(("simulate", "estimates")))
    print(f"report end to end: {total:.1f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the report: {peak:.0f} MB")


if __name__ == "__main__":
    main()
