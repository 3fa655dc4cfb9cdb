"""The fast CSV writer writes what `DataFrame.to_csv(index=False)` writes, byte for byte."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # pandas ships no type hints
import pytest

from experiments.allocation import Pseudonymizer
from experiments.outputs import TrialSettings, build_tables, simulate_trial, write_csv
from experiments.protocol import load_protocol
from tests.experiments.shipped import STUDY_FILE


def dates(*values: str, unit: str = "us") -> pd.Series:
    parsed = pd.to_datetime(list(values), format="ISO8601").tz_localize("UTC")
    return pd.Series(parsed).astype(f"datetime64[{unit}, UTC]")


AWKWARD = pd.DataFrame(
    {
        "text": pd.Series(["a,b", 'say "hi"', "two\nlines", "cr\rx", "", None], dtype="str"),
        "mixed": pd.Series([1, None, "x,y", 2.5, True, float("nan")], dtype=object),
        "count": pd.array([1, None, -3, 4, 2**40, 6], dtype="Int64"),
        "plain": np.arange(6),
        "real": [1.0, np.nan, 1e20, 1 / 3, -0.0, np.inf],
        "flag": [True, False, True, False, True, False],
        "maybe": pd.array([True, None, False, True, True, False], dtype="boolean"),
        "whole_seconds": dates("2026-01-01", "", "1960-05-01 10:11:12", *["2026-01-02"] * 3),
        "milliseconds": dates("2026-01-01 00:00:00.5", "", *["2026-01-02"] * 4),
        "microseconds": dates("2026-01-01 00:00:00.000005", "", *["2026-01-02"] * 4),
        "nanoseconds": dates("2026-01-01 00:00:00.000000005", *["2026-01-02"] * 5, unit="ns"),
        "never": pd.Series([pd.NaT] * 6, dtype="datetime64[s, UTC]"),
        'odd "name", too': 7,
    }
)


def written(frame: pd.DataFrame, tmp_path: Path, block_rows: int = 4) -> tuple[bytes, bytes]:
    frame.to_csv(tmp_path / "pandas.csv", index=False)
    write_csv(frame, tmp_path / "arrow.csv", block_rows=block_rows)
    return (tmp_path / "pandas.csv").read_bytes(), (tmp_path / "arrow.csv").read_bytes()


def test_awkward_values_are_written_as_pandas_writes_them(tmp_path: Path) -> None:
    pandas, arrow = written(AWKWARD, tmp_path)
    assert arrow == pandas
    assert b'"a,b"' in arrow
    assert b'"say ""hi"""' in arrow
    assert b"+00:00" in arrow


@pytest.mark.parametrize("column", list(AWKWARD.columns))
def test_each_kind_of_column_is_written_as_pandas_writes_it(tmp_path: Path, column: str) -> None:
    pandas, arrow = written(AWKWARD[[column, "plain"]], tmp_path)
    assert arrow == pandas


def test_frames_it_cannot_render_are_left_to_pandas(tmp_path: Path) -> None:
    early = AWKWARD.assign(whole_seconds=dates("0999-01-01", *["2026-01-02"] * 5))
    amsterdam = AWKWARD.assign(never=AWKWARD["milliseconds"].dt.tz_convert("Europe/Amsterdam"))
    for frame in (early, amsterdam, AWKWARD[["text"]], AWKWARD.head(0)):
        pandas, arrow = written(frame, tmp_path)
        assert arrow == pandas


def test_every_export_table_is_written_as_pandas_writes_it(tmp_path: Path) -> None:
    simulated = simulate_trial(TrialSettings(participants=60, grouped_arms=("peer",), seed=3))
    protocol = load_protocol(STUDY_FILE)
    for shift in (False, True):
        key = Pseudonymizer("k")
        tables = build_tables(simulated.raw, key, shift_dates=shift, protocol=protocol)
        for name, frame in tables.items():
            pandas, arrow = written(frame, tmp_path, block_rows=100)
            assert arrow == pandas, name
