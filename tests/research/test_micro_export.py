"""The decision-level table of a micro-randomized trial, in every export format, with codebook."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd  # type: ignore[import-untyped]  # pandas ships no type hints
import pyreadstat
import pytest
from sqlalchemy import select

from bot.db.engine import Database
from bot.db.micro import MicroDecision
from bot.db.study import Event, IntakeStep, Participant, ParticipantStatus, Site
from bot.paths import shipped_config
from bot.research import export_trial, report_trial
from bot.scheduler import scan_micro
from bot.services.trial import Trial
from experiments.micro.export import decision_table
from experiments.outputs import ExportFormat
from experiments.protocol import load_protocol
from experiments.records import EventKind

TRIAL = Trial(
    protocol=load_protocol(shipped_config("mrt.toml")),
    allocation_seed="micro-export-seed",
    pseudonym_key="micro-export-key",
)
ALLOCATED = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
FIRST_POINT = datetime(2026, 1, 5, 17, 0, tzinfo=UTC)  # 18:00 in Amsterdam
DAY = timedelta(days=1)
COLUMNS = [
    "pseudonym",
    "component",
    "decision_at",
    "week",
    "available",
    "unavailable_reason",
    "probability",
    "sent",
    "outcome",
    "day",
    "track",
    "age_band",
    "prior_outcome",
    "prior_sent",
]


async def study_of_ten_days(database: Database, people: int = 4) -> None:
    """Savers; the first deposits 3 hours after every decision point, the others never (with
    more than four people, each deposits after the points where they were sent a prompt)."""
    async with database.transaction() as session:
        site = Site(name="Utrecht", created_at=ALLOCATED)
        session.add(site)
        await session.flush()
        for n in range(people):
            person = Participant(
                telegram_user_id=800 + n,
                site_id=site.id,
                language="nl",
                consent_version="1",
                consented_at=ALLOCATED,
                step=IntakeStep.DONE,
                status=ParticipantStatus.ACTIVE,
                arm="mrt",
                track="savings",
                age_band="21-25",
                commitment_cents=1000,
                allocated_at=ALLOCATED,
                period_start=ALLOCATED,
            )
            session.add(person)
            await session.flush()
            if n == 0:
                for day in range(10):
                    at = FIRST_POINT + timedelta(days=day, hours=3)
                    session.add(
                        Event(
                            participant_id=person.id,
                            kind=EventKind.DEPOSIT,
                            amount_cents=500,
                            detail={},
                            occurred_at=at,
                            source="telegram",
                            dedupe_key=f"deposit:{day}",
                        )
                    )
    for day in range(10):
        await scan_micro(database, TRIAL, FIRST_POINT + timedelta(days=day))
        if people > 4:
            await deposits_after_prompts(database, day)


async def deposits_after_prompts(database: Database, day: int) -> None:
    point = FIRST_POINT + timedelta(days=day)
    async with database.transaction() as session:
        rows = await session.execute(
            select(MicroDecision.participant_id, MicroDecision.sent).where(
                MicroDecision.decision_at == point
            )
        )
        for pid, sent in rows:
            # Prompted people deposit after 2 of 3 points, the others after 1 of 3.
            if (pid + day) % 3 < (2 if sent else 1):
                session.add(
                    Event(
                        participant_id=pid,
                        kind=EventKind.DEPOSIT,
                        amount_cents=100,
                        detail={},
                        occurred_at=point + timedelta(hours=2),
                        source="telegram",
                        dedupe_key=f"prompted:{pid}:{day}",
                    )
                )


@pytest.mark.parametrize("file_format", ["csv", "parquet", "spss", "stata"])
async def test_every_format_exports_the_decisions_with_outcome_and_covariates(
    database: Database, tmp_path: Path, file_format: ExportFormat
) -> None:
    await study_of_ten_days(database)
    as_of = FIRST_POINT + timedelta(days=9, hours=2)  # the last point's 24 h are still open
    await export_trial(
        database,
        tmp_path,
        key=TRIAL.pseudonym_key,
        protocol=TRIAL.protocol,
        file_format=file_format,
        as_of=as_of,
    )
    suffix = {"csv": "csv", "parquet": "parquet", "spss": "sav", "stata": "dta"}[file_format]
    path = tmp_path / f"micro_decisions.{suffix}"
    if file_format == "csv":
        table = pd.read_csv(path)
    elif file_format == "parquet":
        table = pd.read_parquet(path)
    else:
        reader = pyreadstat.read_sav if file_format == "spss" else pyreadstat.read_dta
        table, _meta = reader(str(path))
    assert list(table.columns) == COLUMNS
    assert len(table) == 40  # 4 people x 10 decision points
    assert table["pseudonym"].nunique() == 4
    assert not table["pseudonym"].astype(str).str.fullmatch(r"\d+").any()
    by_person = table.groupby("pseudonym")["outcome"]
    # One saver deposits after each of the 9 closed decision points; the 10th is still open.
    assert sorted(by_person.sum()) == [0, 0, 0, 9]
    assert by_person.count().tolist() == [9, 9, 9, 9]
    assert set(table["probability"].round(6)) == {0.6}  # weeks 1-2
    assert sorted(table["day"].unique()) == list(range(1, 11))
    codebook = pd.read_csv(tmp_path / "codebook.csv")
    documented = set(codebook.loc[codebook["table"] == "micro_decisions", "variable"])
    assert documented == set(COLUMNS)


async def test_the_report_shows_the_excursion_effect_beside_the_simulated_truth(
    database: Database, tmp_path: Path
) -> None:
    await study_of_ten_days(database, people=60)
    path = await report_trial(
        database,
        tmp_path,
        protocol=TRIAL.protocol,
        as_of=FIRST_POINT + timedelta(days=11),
        micro_truth={"marginal": 0.693},
    )
    page = path.read_text("utf-8")
    assert "Micro-randomized nudges: causal excursion effects" in page
    assert "EMEE on the relative risk" in page
    assert "Qian T, Yoo H, Klasnja P, Almirall D, Murphy SA (2021)" in page
    assert "2.000" in page  # the truth, as a relative risk
    assert "Per-decision randomization check" in page


def test_a_corrected_entry_is_no_proximal_outcome() -> None:
    """The decision table counts through `experiments.records.ledger`: an application taken back
    with ↩️ Undo after a decision point is no outcome of it; a deposit kept is."""
    point = FIRST_POINT
    decisions = pd.DataFrame(
        {
            "participant_id": [1, 2],
            "component": ["prompt", "prompt"],
            "decision_at": [point, point],
            "week": [1, 1],
            "available": [True, True],
            "unavailable_reason": [None, None],
            "probability": [0.5, 0.5],
            "sent": [True, True],
        }
    )
    hour = timedelta(hours=1)
    events = pd.DataFrame(
        {
            "id": [10, 11, 12],
            "participant_id": [1, 1, 2],
            "kind": ["applied", "applied_correction", "deposit"],
            "amount_cents": [None, None, 500],
            "quantity": [3, -3, None],
            "detail": [{}, {}, {}],
            "occurred_at": [point + hour, point + 2 * hour, point + hour],
            "source": ["telegram"] * 3,
            "corrects_event_id": [None, 10, None],
        }
    )
    people = pd.DataFrame(
        {
            "id": [1, 2],
            "allocated_at": [ALLOCATED, ALLOCATED],
            "track": ["jobsearch", "savings"],
            "age_band": ["21-25", "21-25"],
            "site_id": [1, 1],
        }
    )
    table = decision_table(decisions, events, people, {1: "Utrecht"}, None, point + 2 * DAY)
    assert table["outcome"].tolist() == [0.0, 1.0]
