"""Pseudonyms, tidy tables, date shifting and the codebook, on plain DataFrames."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd  # type: ignore[import-untyped]  # pandas ships no type hints
import pyreadstat
import pytest

from experiments.allocation import Pseudonymizer
from experiments.outputs import (
    RawTrial,
    TrialSettings,
    build_codebook,
    build_tables,
    codebook_markdown,
    safe_columns,
    simulate_trial,
    write_export,
)
from experiments.protocol import load_protocol
from tests.experiments.shipped import STUDY_FILE

PROTOCOL = load_protocol(STUDY_FILE)
SIMULATED = simulate_trial(TrialSettings(participants=120, grouped_arms=("peer",), seed=6))


def tables(shift: bool = False, key: str = "k") -> dict[str, pd.DataFrame]:
    return build_tables(SIMULATED.raw, Pseudonymizer(key), shift_dates=shift, protocol=PROTOCOL)


def test_pseudonyms_are_keyed_stable_and_short() -> None:
    first, again, other = Pseudonymizer("a"), Pseudonymizer("a"), Pseudonymizer("b")
    assert first.pseudonym(42) == again.pseudonym(42)
    assert first.pseudonym(42) != other.pseudonym(42)
    assert first.pseudonym(42) != first.pseudonym(43)
    assert len(first.pseudonym(42)) == 16
    assert int(first.pseudonym(42), 16) >= 0


def test_date_offsets_are_whole_days_within_a_year_and_reproducible() -> None:
    offsets = [Pseudonymizer("a").date_offset(pid) for pid in range(2000)]
    assert all(1 <= o.days <= 365 and o.seconds == 0 for o in offsets)
    assert offsets == [Pseudonymizer("a").date_offset(pid) for pid in range(2000)]
    assert len({o.days for o in offsets}) > 300


def test_an_empty_key_is_refused() -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        Pseudonymizer("")


def test_no_table_carries_the_internal_participant_id() -> None:
    for name, frame in tables().items():
        assert "participant_id" not in frame.columns, name
        # tables without a person
        if name not in ("sites", "groups", "group_events", "dose_by_arm", "dose_by_group"):
            assert frame.columns[0] == "pseudonym", name


def test_shifting_keeps_every_interval_within_a_person() -> None:
    plain, shifted = tables()["events"], tables(shift=True)["events"]
    moved = plain["occurred_at"] - shifted["occurred_at"]
    per_person = moved.groupby(plain["pseudonym"]).nunique()
    assert (per_person == 1).all()
    people_plain, people_shifted = tables()["participants"], tables(shift=True)["participants"]
    assert (people_plain["enrolled_at"] - people_plain["allocated_at"]).equals(
        people_shifted["enrolled_at"] - people_shifted["allocated_at"]
    )


def test_shifting_drops_the_allocation_hashes_that_would_undo_it() -> None:
    assert {"hash", "prev_hash"} <= set(tables()["allocations"].columns)
    assert {"hash", "prev_hash"}.isdisjoint(tables(shift=True)["allocations"].columns)


def test_only_simple_non_identifying_details_become_columns() -> None:
    events = SIMULATED.raw["events"].head(3).copy()
    events["detail"] = [
        {"what": "offer_part_time", "first_name": "Anna", "streak": 3},
        {"note": "Free text, with Capitals", "user_id": 12, "amount": 10_000_000_000},
        {"what": "school", "nested": {"a": 1}, "chat": 5},
    ]
    raw = RawTrial(SIMULATED.raw.as_of, {**SIMULATED.raw.frames, "events": events})
    exported = build_tables(raw, Pseudonymizer("k"))["events"]
    details = [c for c in exported.columns if c.startswith("detail_")]
    assert details == ["detail_streak", "detail_what"]
    assert list(exported["detail_what"].fillna("")) == ["offer_part_time", "", "school"]


def test_reflected_columns_that_could_identify_are_dropped() -> None:
    columns = ["id", "group_id", "participant_id", "telegram_chat_id", "title", "invite_link"]
    columns += ["code", "tag", "username", "counsellor_id", "arm", "formed_size", "status"]
    kept = ["id", "group_id", "participant_id", "arm", "formed_size", "status"]
    assert safe_columns(columns) == kept


def test_the_codebook_describes_every_column() -> None:
    built = tables()
    variables = build_codebook(built, PROTOCOL)
    described = {(v.table, v.name) for v in variables}
    assert described == {(t, c) for t, f in built.items() for c in f.columns}
    assert all(v.label for v in variables)
    arm = next(v for v in variables if v.table == "participants" and v.name == "arm")
    assert [value for value, _meaning in arm.values] == ["peer", "text", "control"]
    markdown = codebook_markdown(variables)
    assert all(f"## {name}" in markdown for name in built)


def test_stata_codes_read_back_as_the_original_values(tmp_path: Path) -> None:
    built = tables()
    write_export(built, build_codebook(built, PROTOCOL), tmp_path, "stata")
    frame, meta = pyreadstat.read_dta(str(tmp_path / "participants.dta"))
    labels = meta.variable_value_labels
    decoded = frame["status"].map(labels["status"])
    assert list(decoded) == list(built["participants"]["status"])
    assert list(frame["track"].map(labels["track"])) == list(built["participants"]["track"])


def test_an_empty_trial_exports_empty_tables(tmp_path: Path) -> None:
    raw = RawTrial(datetime(2026, 1, 5, tzinfo=UTC))
    built = build_tables(raw, Pseudonymizer("k"))
    for file_format in ("csv", "parquet", "spss", "stata"):
        written = write_export(built, build_codebook(built), tmp_path / file_format, file_format)
        assert len(written) == 14  # 12 tables (2 of dose per arm and group), 2 codebooks
    assert all(frame.empty for frame in built.values())
