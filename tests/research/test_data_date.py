"""The data date: a report or export reads the trial as it stood then, so a re-run agrees."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd  # type: ignore[import-untyped]  # pandas ships no type hints
import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from bot.clock import FakeClock
from bot.db.delivery import ChatType, OutboxMessage, OutboxStatus
from bot.db.engine import Database
from bot.db.study import Event, Participant, ParticipantStatus, SurveyAnswer
from bot.outbox.messages import Priority
from bot.research import read_trial, report_trial
from experiments.outputs import (
    ESTIMATES_FILE,
    RawTrial,
    TrialSettings,
    cut_at,
    parse_as_of,
    simulate_trial,
)
from experiments.protocol import load_protocol
from experiments.records import EventKind
from tests.experiments.shipped import STUDY_FILE

from .conftest import add_peer_group, app, populate

PROTOCOL = load_protocol(STUDY_FILE)


def test_the_data_date_leaves_out_later_rows_and_undoes_later_changes() -> None:
    raw = simulate_trial(TrialSettings(participants=120, grouped_arms=("peer",), seed=5)).raw
    moment = raw["participants"]["consented_at"].min().to_pydatetime() + timedelta(days=14)
    cut = cut_at(RawTrial(moment, raw.frames))
    stamp = pd.Timestamp(moment)
    for table, column in (
        ("participants", "consented_at"),
        ("allocations", "allocated_at"),
        ("events", "occurred_at"),
        ("survey_answers", "answered_at"),
        ("messages", "created_at"),
        ("messages", "sent_at"),
        ("groups", "formed_at"),
        ("memberships", "joined_at"),
        ("participants", "withdrawn_at"),
    ):
        assert not (cut[table][column] > stamp).any(), (table, column)
        assert (raw[table][column] > stamp).any(), f"the trial has {table} later than the cut"
    people = cut["participants"].set_index("id")
    later = people.index.intersection(raw["participants"].query("withdrawn_at > @stamp")["id"])
    assert len(later)
    assert (people.loc[later, "status"] == "active").all()
    assert set(cut["memberships"]["group_id"]) <= set(cut["groups"]["id"])


def test_a_group_closed_after_the_data_date_reads_as_still_running() -> None:
    moment = datetime(2026, 3, 1, tzinfo=UTC)
    before, after = pd.Timestamp(moment - timedelta(days=1)), pd.Timestamp(moment + timedelta(1))
    groups = pd.DataFrame(
        {
            "id": [1, 2],
            "status": ["closed", "closed"],
            "formed_at": [before - timedelta(days=70)] * 2,
            "bound_at": [before - timedelta(days=69)] * 2,
            "closed_at": [before, after],
        }
    )
    events = pd.DataFrame(
        {
            "id": [1, 2],
            "group_id": [1, 2],
            "kind": ["cycle_closed"] * 2,
            "via": ["bound"] * 2,
            "quantity": [3, 4],
            "occurred_at": [before, after],
        }
    )

    cut = cut_at(RawTrial(moment, {"groups": groups, "group_events": events}))

    assert list(cut["groups"]["status"]) == ["closed", "active"]
    assert cut["groups"]["closed_at"].isna().tolist() == [False, True]
    assert list(cut["group_events"]["group_id"]) == [1]


def test_a_bare_date_means_through_its_end_in_the_study_time_zone() -> None:
    moment = parse_as_of("2026-03-01", "Europe/Amsterdam")
    assert moment == datetime(2026, 3, 1, 22, 59, 59, 999_999, tzinfo=UTC)
    assert parse_as_of("2026-03-01T12:00:00Z", "Europe/Amsterdam").hour == 12


async def _later_activity(database: Database, ids: list[int], after: datetime) -> None:
    """Everything that happens after the data date: new events, answers, messages, a
    withdrawal and a new participant."""
    async with database.transaction() as session:
        for day, pid in enumerate(ids[:4], start=1):
            moment = after + timedelta(days=day)
            session.add(
                Event(
                    participant_id=pid,
                    kind=EventKind.DEPOSIT,
                    amount_cents=5000,
                    detail={},
                    occurred_at=moment,
                    source="telegram",
                    dedupe_key=f"later:{pid}",
                )
            )
            session.add(
                SurveyAnswer(
                    participant_id=pid,
                    wave="followup-1",
                    instrument="gse",
                    item="gse1",
                    value=4,
                    answered_at=moment,
                )
            )
            session.add(
                OutboxMessage(
                    intent_key=f"later:{pid}",
                    chat_id=None,
                    chat_type=ChatType.PRIVATE,
                    method="sendMessage",
                    payload={},
                    kind="encouragement",
                    participant_id=pid,
                    status=OutboxStatus.SENT,
                    priority=Priority.PERSONAL,
                    rank_at=moment,
                    not_before=moment,
                    attempts=1,
                    created_at=moment,
                    sent_at=moment,
                )
            )
        await session.execute(
            update(Participant)
            .where(Participant.id == ids[1])
            .values(status=ParticipantStatus.WITHDRAWN, withdrawn_at=after + timedelta(days=2))
        )


async def test_a_report_re_run_after_more_activity_gives_identical_numbers_with_as_of(
    database: Database, clock: FakeClock, tmp_path: Path
) -> None:
    ids = await populate(database, clock)
    await add_peer_group(database, ids, clock)
    as_of = clock.now() + timedelta(days=25)
    first = await report_trial(database, tmp_path / "first", protocol=PROTOCOL, as_of=as_of)
    await _later_activity(database, ids, as_of)
    second = await report_trial(database, tmp_path / "second", protocol=PROTOCOL, as_of=as_of)
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")
    estimates = (first.parent / ESTIMATES_FILE).read_text(encoding="utf-8")
    assert (second.parent / ESTIMATES_FILE).read_text(encoding="utf-8") == estimates
    now = await read_trial(database, as_of + timedelta(days=30))
    assert len(now["events"]) > len((await read_trial(database, as_of))["events"])


async def test_the_report_command_prints_its_data_date_and_refuses_a_future_one(
    database: Database, clock: FakeClock, tmp_path: Path
) -> None:
    await populate(database, clock)
    env = {"LOTGENOOT_DATABASE_URL": database.url}
    base = ["report", "--out", str(tmp_path), "--study", str(STUDY_FILE)]
    runner = CliRunner()
    fixed = await asyncio.to_thread(
        runner.invoke, app, [*base, "--as-of", "2026-01-20T10:00:00Z"], env=env
    )
    assert fixed.exit_code == 0, fixed.output
    assert "data date 2026-01-20 10:00:00 UTC" in fixed.output
    assert "--as-of 2026-01-20T10:00:00Z" in fixed.output
    future = await asyncio.to_thread(runner.invoke, app, [*base, "--as-of", "2999-01-01"], env=env)
    assert future.exit_code != 0
    assert "in the future" in str(future.exception)


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01"])
def test_an_unreadable_data_date_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"isoformat|must be in"):
        parse_as_of(text, "Europe/Amsterdam")
