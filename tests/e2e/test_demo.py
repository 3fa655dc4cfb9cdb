"""The demo as a whole: it recovers the effects it simulates, and a seed fixes the study."""

from __future__ import annotations

import csv
import math
from dataclasses import replace
from pathlib import Path

import pytest

from bot.demo import DemoOptions, Effects, run_demo
from bot.paths import shipped_config

MRT_FILE = shipped_config("mrt.toml")

pytestmark = pytest.mark.slow


def _rows(path: Path, drop: set[str]) -> list[tuple[str, ...]]:
    with path.open(encoding="utf-8") as handle:
        return sorted(
            tuple(value for key, value in row.items() if key not in drop)
            for row in csv.DictReader(handle)
        )


async def test_small_demo_with_a_large_effect_recovers_its_direction(tmp_path: Path) -> None:
    # 13 weeks, as the default demo: the first week's people answer the last questionnaire
    # more jobseekers start work than by default, so 60 people give a placement estimate
    placement = {"control": 0.05, "text": 0.1, "peer": 0.1}
    effects = replace(Effects().scaled(3.0), placement_per_week=placement)
    options = DemoOptions(
        participants=60, weeks=13, seed=7, out=tmp_path, effects=effects, quiet=True
    )
    result = await run_demo(options)
    assert result.unknown_calls == 0
    assert result.duplicate_nudges == 0
    assert result.most_unsolicited == 1, "one message nobody asked for a day, at most"
    assert result.corrections > 0, "slips on the menu are taken back with ↩️ Herstel"
    assert result.report is not None
    assert result.report.exists()
    assert list(result.report.parent.glob("*.png"))
    page = result.report.read_text(encoding="utf-8")
    assert page.index("Primary outcome (Intention-to-treat): Deposits") < page.index("CONSORT")
    assert "Questionnaire completion by arm and wave" in page
    assert "ANCOVA at follow-up" in page
    # a funder's report: the summary first, one line per outcome without an estimate
    assert page.index("<section") == page.index('<section class="summary">')
    assert "<td>not estimable</td>" not in page
    with (result.report.parent / "estimates.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    estimated = {(r["outcome"], r["analysis"]) for r in rows if r["status"] == "estimated"}
    assert ("placement", "ITT, adjusted for strata") in estimated
    assert ("gse", "ANCOVA at follow-up 2, complete cases") in estimated
    assert (tmp_path / "export" / "participants.csv").exists()
    assert result.logged_by_menu > 0
    assert result.logged_by_menu >= result.logged_by_command, "the menu does most logging"
    text_arm = [e for e in result.estimates if e.arm == "text" and e.measure == "rate ratio"]
    assert text_arm, "the report estimates the text arm against control"
    for estimate in text_arm:
        assert estimate.estimate is not None
        assert estimate.low is not None
        assert estimate.estimate > 1, estimate
        assert estimate.low > 1, f"the CI should exclude no effect: {estimate}"


async def test_same_seed_gives_the_same_export(tmp_path: Path) -> None:
    exports = []
    for run in ("first", "second"):
        out = tmp_path / run
        await run_demo(DemoOptions(participants=12, weeks=2, seed=3, out=out, quiet=True))
        exports.append(out / "export")
    # Row numbers of events follow the order in which people acting at the same moment were
    # served, so they are left out; everything else, times included, must match.
    unordered = {"event_id", "corrects_event_id"}
    for table in ("participants.csv", "events.csv", "allocations.csv", "survey_items.csv"):
        first, second = (_rows(export / table, drop=unordered) for export in exports)
        assert first == second, table


async def test_the_micro_randomized_demo_reports_the_nudge_effect_beside_its_truth(
    tmp_path: Path,
) -> None:
    options = DemoOptions(
        participants=40,
        weeks=3,
        seed=5,
        out=tmp_path,
        quiet=True,
        protocol=MRT_FILE,
        nudge_rr=2.5,
        nudge_decay=0.0,
    )
    result = await run_demo(options)
    assert result.unknown_calls == 0
    assert result.duplicate_nudges == 0
    assert result.micro_truth is not None
    assert result.micro_truth["week 1"] == pytest.approx(math.log(2.5))
    assert result.report is not None
    page = result.report.read_text(encoding="utf-8")
    assert "Micro-randomized nudges: causal excursion effects" in page
    assert "simulated" in page
    assert "2.500" in page  # the truth beside the estimate
    decisions = _rows(tmp_path / "export" / "micro_decisions.csv", drop=set())
    assert len(decisions) > 40 * 7
    with (tmp_path / "export" / "micro_decisions.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    prompted = [r for r in rows if r["sent"] == "True" and r["outcome"] != ""]
    quiet = [r for r in rows if r["available"] == "True" and r["sent"] == "False" and r["outcome"]]
    share = sum(float(r["outcome"]) for r in prompted) / len(prompted)
    baseline = sum(float(r["outcome"]) for r in quiet) / len(quiet)
    assert share > 1.5 * baseline, (share, baseline)  # a relative risk of 2.5 was simulated


async def test_report_on_two_week_trial_says_not_estimable_instead_of_crashing(
    tmp_path: Path,
) -> None:
    options = DemoOptions(participants=24, weeks=2, seed=3, out=tmp_path, quiet=True)
    result = await run_demo(options)
    assert result.report is not None
    page = result.report.read_text(encoding="utf-8")
    # what has no estimate says why, in one line per outcome (the questionnaires are not due)
    assert 'class="text na">not yet estimable: the second follow-up' in page
    assert "Data date: <b>" in page
    assert any(e.not_estimable is not None for e in result.estimates)
