"""The demo as a whole: it recovers the effects it simulates, and a seed fixes the study."""

from __future__ import annotations

import csv
import math
import re
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from bot.demo import DemoOptions, DemoResult, Effects, run_demo
from bot.paths import shipped_config
from tests.conftest import run_apart
from tests.e2e.test_cli import lotgenoot

MRT_FILE = shipped_config("mrt.toml")

pytestmark = pytest.mark.slow


def _rows(path: Path, drop: set[str]) -> list[tuple[str, ...]]:
    with path.open(encoding="utf-8") as handle:
        return sorted(
            tuple(value for key, value in row.items() if key not in drop)
            for row in csv.DictReader(handle)
        )


async def test_small_demo_with_a_large_effect_recovers_its_direction(tmp_path: Path) -> None:
    # 30 people enrol over ten days; in 14 weeks most of them reach the last questionnaire
    # (week 12), so the report's pre-specified ANCOVA has numbers (the default demo: 100 people,
    # 13 weeks). More jobseekers start work than by default, so 30 people give a placement
    # estimate.
    placement = {"control": 0.05, "text": 0.1, "peer": 0.1}
    effects = replace(Effects().scaled(3.0), placement_per_week=placement)
    options = DemoOptions(
        participants=30, weeks=14, seed=7, out=tmp_path, effects=effects, quiet=True
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
    # At 30 people the applications' interval is the narrow one (lower bound 1.27 for seed 7;
    # at five jobseekers an arm it fell below 1 for seed 9): a failure here after a change to
    # the demo's random draws may be that seed's luck; try seeds 7 and 8 before doubting it.
    for estimate in text_arm:
        assert estimate.estimate is not None
        assert estimate.low is not None
        assert estimate.estimate > 1, estimate
        assert estimate.low > 1, f"the CI should exclude no effect: {estimate}"


async def test_the_micro_randomized_demo_reports_the_nudge_effect_beside_its_truth(
    tmp_path: Path,
) -> None:
    people = 24  # 444 decision points for seed 5; a relative risk of 2.5 shows at 2.7
    options = DemoOptions(
        participants=people,
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
    assert len(decisions) > people * 7
    with (tmp_path / "export" / "micro_decisions.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    prompted = [r for r in rows if r["sent"] == "True" and r["outcome"] != ""]
    quiet = [r for r in rows if r["available"] == "True" and r["sent"] == "False" and r["outcome"]]
    share = sum(float(r["outcome"]) for r in prompted) / len(prompted)
    baseline = sum(float(r["outcome"]) for r in quiet) / len(quiet)
    assert share > 1.5 * baseline, (share, baseline)  # a relative risk of 2.5 was simulated


# The demo a person runs by hand, and the same study run again in this process: one pair of runs
# serves the tests below (each run costs a fifth of a minute). Two weeks of 24 people, seed 3:
# the command of a report that once crashed on a trial too young for its questionnaires.
TWO_WEEKS = DemoOptions(participants=24, weeks=2, seed=3, effects=Effects().scaled(1.0), quiet=True)
SAME_PAIR = pytest.mark.xdist_group("demo-two-weeks-seed-3")  # one worker runs the pair once


@dataclass(frozen=True)
class TwoRuns:
    command: subprocess.CompletedProcess[str]
    command_out: Path
    again: DemoResult
    again_out: Path


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> TwoRuns:
    base = tmp_path_factory.mktemp("two-weeks")
    flags = ["--participants", "24", "--weeks", "2", "--seed", "3"]
    command = lotgenoot("demo", *flags, "--out", str(base / "command"), cwd=base)
    again = run_apart(run_demo(replace(TWO_WEEKS, out=base / "again")))
    return TwoRuns(command, base / "command", again, base / "again")


@SAME_PAIR
def test_the_demo_command_runs_a_study_end_to_end(two_runs: TwoRuns) -> None:
    result, out = two_runs.command, two_runs.command_out
    assert result.returncode == 0, result.stderr[-3000:]
    assert "24 people enrolled" not in result.stdout  # spread over several days
    assert "people enrolled and were allocated" in result.stdout
    assert "Bot API calls the sandbox does not know: 0" in result.stdout
    assert "messages delivered twice: 0" in result.stdout
    assert (out / "demo.db").exists()
    printed = " ".join(result.stdout.split())  # rich wraps long lines at the terminal's width
    most = re.search(r"one person got in one day: (\d+) \(the protocol allows (\d+)\)", printed)
    assert most is not None, "the demo says the most unsolicited messages one person got a day"
    assert most.groups() == ("1", "1")
    assert re.search(r"entries corrected \(↩️ Herstel\): \d+", printed), "and the corrections"


@SAME_PAIR
def test_same_seed_gives_the_same_export(two_runs: TwoRuns) -> None:
    assert two_runs.command.returncode == 0, two_runs.command.stderr[-3000:]
    exports = (two_runs.command_out / "export", two_runs.again_out / "export")
    # Row numbers of events follow the order in which people acting at the same moment were
    # served, so they are left out; everything else, times included, must match.
    unordered = {"event_id", "corrects_event_id"}
    for table in ("participants.csv", "events.csv", "allocations.csv", "survey_items.csv"):
        first, second = (_rows(export / table, drop=unordered) for export in exports)
        assert first, table
        assert first == second, table


@SAME_PAIR
def test_report_on_two_week_trial_says_not_estimable_instead_of_crashing(
    two_runs: TwoRuns,
) -> None:
    result = two_runs.again
    assert result.report is not None
    page = result.report.read_text(encoding="utf-8")
    # what has no estimate says why, in one line per outcome (the questionnaires are not due)
    assert 'class="text na">not yet estimable: the second follow-up' in page
    assert "Data date: <b>" in page
    assert any(e.not_estimable is not None for e in result.estimates)
