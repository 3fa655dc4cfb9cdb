"""The HTML report: written whole for real, tiny and empty trials; warnings where they belong."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.clock import FakeClock
from bot.db.engine import Database
from experiments.allocation import Pseudonymizer
from experiments.outputs import RawTrial, TrialSettings, build_tables, simulate_trial
from experiments.outputs.report import write_report
from experiments.protocol import Protocol, load_protocol, validate_protocol
from tests.experiments.shipped import STUDY_FILE

from .conftest import add_peer_group, app, needles, populate

PROTOCOL = load_protocol(STUDY_FILE)
FIGURES = ("consort.png", "outcomes.png", "estimates.png", "power.png")


def report_for(raw: RawTrial, out: Path, protocol: Protocol = PROTOCOL) -> str:
    tables = build_tables(raw, Pseudonymizer("report-key"), protocol=protocol)
    return write_report(tables, protocol, out, raw.as_of).read_text(encoding="utf-8")


HOSTILE_NAME = "<script>alert(1)</script>"


@pytest.fixture(scope="session")
def peer_effect_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The folder and page of one report, written once for the tests that only read it: a
    simulated trial with a peer effect where half of control's questionnaires are missing, and
    a study whose name is markup that must be escaped."""
    out = tmp_path_factory.mktemp("peer-effect-report")
    data = PROTOCOL.model_dump(mode="json")
    data["study"]["name"] = HOSTILE_NAME
    settings = TrialSettings(
        participants=300,
        effects={"peer": 1.8},
        grouped_arms=("peer",),
        completion_by_arm={"control": 0.5},
    )
    return out, report_for(simulate_trial(settings).raw, out, validate_protocol(data))


# The tests that read that report are one xdist group: --dist loadgroup hands them to one worker
# (tests/conftest.py makes the group reach xdist's scheduler under pytest 9)
on_peer_effect_report = pytest.mark.xdist_group("report-peer-effect")


@pytest.mark.slow
@on_peer_effect_report
def test_the_report_is_a_page_with_its_figures_beside_it(
    peer_effect_report: tuple[Path, str],
) -> None:
    out, page = peer_effect_report
    for figure in FIGURES:
        assert (out / figure).read_bytes().startswith(b"\x89PNG")
        assert f'src="{figure}"' in page
    assert set(re.findall(r'src="([^"]+)"', page)) == set(FIGURES)
    for heading in ("CONSORT", "Baseline", "Sample ratio", "Intention-to-treat", "power"):
        assert heading in page
    assert "Control arm: <b>control</b>" in page
    assert "rate ratio" in page
    assert 'class="warning"' not in page
    # the context the review asks for, by arm, and prevention vs cure as a pre-specified subgroup
    assert "Debts or arrears: Yes, and I get help (like debt counselling), n (%)" in page
    assert "<h2>Pre-specified subgroup analyses" in page
    assert "text vs control: cure vs prevention (interaction)" in page
    # and young vs older by age band; the subgroup section is labelled exploratory
    assert "text vs control: older vs young (interaction)" in page
    subgroups = page[page.index("<h2>Pre-specified subgroup analyses") :]
    assert '<span class="label exp">exploratory</span></h2>' in subgroups.split("\n", 1)[0]


def test_an_empty_trial_gets_a_report_that_says_so(tmp_path: Path) -> None:
    page = report_for(RawTrial(datetime(2026, 3, 1, tzinfo=UTC)), tmp_path)
    assert "too little data" in page
    assert all((tmp_path / figure).exists() for figure in FIGURES)


@pytest.mark.parametrize("participants", [4])
def test_tiny_trials_get_a_report_without_estimates(tmp_path: Path, participants: int) -> None:
    settings = TrialSettings(participants=participants, grouped_arms=("peer",), seed=2)
    page = report_for(simulate_trial(settings).raw, tmp_path)
    assert "too little data" in page


@pytest.mark.slow
def test_a_sample_ratio_mismatch_is_a_visible_warning(tmp_path: Path) -> None:
    raw = simulate_trial(TrialSettings(participants=300)).raw
    people = raw["participants"]
    lost = people.index[people["arm"] == "control"][:60]
    page = report_for(
        RawTrial(raw.as_of, {**raw.frames, "participants": people.drop(lost)}), tmp_path
    )
    assert 'class="warning"><b>Sample ratio mismatch</b>' in page


async def test_the_report_command_reads_the_database_without_a_key(
    database: Database, clock: FakeClock, tmp_path: Path
) -> None:
    ids = await populate(database, clock)
    await add_peer_group(database, ids, clock)
    arguments = ["report", "--out", str(tmp_path), "--study", str(STUDY_FILE)]
    env = {"LOTGENOOT_DATABASE_URL": database.url}
    result = await asyncio.to_thread(CliRunner().invoke, app, arguments, env=env)
    assert result.exit_code == 0, result.output
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "groups: 1 (active 1); people in a group:" in page
    assert "Declined consent: 3" in page
    assert not [needle for needle in needles() if needle.lower() in page.lower()]


@on_peer_effect_report
def test_the_primary_headline_comes_first_and_every_analysis_is_labelled(
    peer_effect_report: tuple[Path, str],
) -> None:
    _, page = peer_effect_report
    # first of all a summary in plain sentences, written from the numbers
    assert page.index("<section") == page.index('<section class="summary">')
    summary = page[page.index("<h2>Summary in plain words") : page.index("Primary outcome")]
    sentences = re.findall(r"<p>(.*?)</p>", summary)
    assert 3 <= len(sentences) <= 5, sentences
    assert sentences[0].startswith("This trial tested whether a small peer group")
    assert re.search(r"^\d+ people at \d+ sites? were assigned by lot", sentences[1])
    assert re.search(r"On the main outcome, deposits, .*\d+% (more|fewer)", sentences[2])
    assert "interval" in sentences[3]
    headline = page.index("Primary outcome (Intention-to-treat): Deposits")
    assert headline < page.index("Participant flow (CONSORT)")
    assert "Dunnett" in page[headline : page.index("Participant flow")]
    assert 'class="label pre">pre-specified' in page
    assert 'class="label exp">exploratory' in page
    assert "Achieved power" not in page


@on_peer_effect_report
def test_delivery_dose_and_cost_follow_the_primary_outcome(
    peer_effect_report: tuple[Path, str],
) -> None:
    _, page = peer_effect_report
    section = page[page.index("<h2>Delivery, dose and cost") : page.index("Participant flow")]
    assert page.index("Primary outcome (Intention-to-treat)") < page.index(section)
    assert "Telegram gives bots no read receipts" in section
    # an allocation message to each simulated person, and encouragements in the text arm
    rows = re.findall(r"<tr><td>(control|text|peer)</td><td>(\d+)</td><td>(\d+) \(", section)
    assert sorted(arm for arm, _, _ in rows) == ["control", "peer", "text"]
    assert all(int(sent) >= int(n) > 50 for _, n, sent in rows)
    assert "Cost per extra unit of the primary outcome" in section
    assert "<td>peer vs control</td><td>€" in section
    assert "Dose per peer group" in section
    assert section.count("€") >= 6


@on_peer_effect_report
def test_the_report_shows_questionnaire_ancova_and_completion_by_arm(
    peer_effect_report: tuple[Path, str],
) -> None:
    _, page = peer_effect_report
    assert "Questionnaire completion by arm and wave" in page
    assert "ANCOVA at follow-up 2, complete cases" in page
    assert "multiple imputation (MICE" in page
    assert "Lee bounds" in page
    completion = page[page.index("Questionnaire completion by arm and wave") :]
    control = re.search(r"<td>control</td><td>(\d+)/(\d+)", completion)
    assert control is not None
    assert int(control.group(1)) / int(control.group(2)) == pytest.approx(0.5, abs=0.12)


@on_peer_effect_report
def test_the_report_escapes_what_the_protocol_says(peer_effect_report: tuple[Path, str]) -> None:
    _, page = peer_effect_report
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
