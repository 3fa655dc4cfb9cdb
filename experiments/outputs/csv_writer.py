"""CSV files byte for byte as `DataFrame.to_csv(path, index=False)` writes them, made by Arrow.

pandas formats each value in Python (a million dates alone took over eight seconds), then hands
the rows to the csv module. Here every column is turned into text by Arrow's compute kernels,
a block of rows at a time, and each block goes to the file as one buffer. The text follows
pandas' rules: missing values are empty; dates carry the column's finest resolution (no
fraction, milliseconds or microseconds) and `+00:00`; floats are NumPy's `str`; booleans
`True`/`False`; a field with a comma, a double quote or a newline is quoted, quotes doubled.
A frame this module does not know how to render exactly (a time zone other than UTC, naive
dates, a single column, no rows) is written by pandas itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
import pyarrow as pa
from pyarrow import compute

pc: Any = compute  # its kernels are generated at import time, unseen by mypy

__all__ = ["write_csv"]

_BLOCK_ROWS = 100_000
_NEEDS_QUOTES = r'[,"\n]'
_STRING = pa.string()


def write_csv(frame: pd.DataFrame, path: Path, *, block_rows: int = _BLOCK_ROWS) -> None:
    """Write `frame` to `path` exactly as `frame.to_csv(path, index=False)` would."""
    if len(frame.columns) < 2 or frame.empty or not all(map(_supported, frame.dtypes)):
        frame.to_csv(path, index=False)
        return
    if not all(_four_digit_years(frame.iloc[:, column]) for column in range(len(frame.columns))):
        frame.to_csv(path, index=False)
        return
    columns = range(len(frame.columns))  # by position: names may repeat
    formats = [_DateFormat.of(frame.iloc[:, column]) for column in columns]
    header = ",".join(_quoted_text(str(column)) for column in frame.columns) + "\n"
    with path.open("wb") as out:
        out.write(header.encode("utf-8"))
        for start in range(0, len(frame), block_rows):
            block = frame.iloc[start : start + block_rows]
            cells = [_text(block.iloc[:, column], formats[column]) for column in columns]
            lines = pc.binary_join_element_wise(*cells, ",")
            lines = pc.binary_join_element_wise(lines, "\n", "")
            out.write(_body(lines))


def _supported(dtype: Any) -> bool:
    if isinstance(dtype, pd.DatetimeTZDtype):
        return str(dtype.tz) == "UTC"
    if isinstance(dtype, pd.StringDtype | pd.BooleanDtype):
        return True
    if isinstance(dtype, pd.core.arrays.integer.IntegerDtype):
        return True
    if isinstance(dtype, np.dtype):
        return dtype.kind in "biuf" or dtype == np.dtype(object)
    return False


def _four_digit_years(series: pd.Series) -> bool:
    if not isinstance(series.dtype, pd.DatetimeTZDtype) or not series.notna().any():
        return True
    return bool(series.min().year >= 1000 and series.max().year <= 9999)


class _DateFormat:
    """How pandas writes a UTC date column: the finest resolution any value needs."""

    _UNITS: ClassVar[dict[str, int]] = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}

    def __init__(self, unit: str) -> None:
        self.unit = unit

    @classmethod
    def of(cls, series: pd.Series) -> _DateFormat | None:
        if not isinstance(series.dtype, pd.DatetimeTZDtype):
            return None
        per_second = cls._UNITS[series.dtype.unit]
        ticks = series.dt.tz_localize(None).to_numpy().view("int64")[series.notna().to_numpy()]
        for unit in ("ns", "us", "ms"):
            step = per_second // cls._UNITS[unit] * 1_000  # ticks in the next coarser unit
            if cls._UNITS[unit] <= per_second and step > 0 and (ticks % step != 0).any():
                return cls(unit)
        return cls("s")

    def render(self, series: pd.Series) -> pa.Array:
        naive = pa.array(series.dt.tz_localize(None), type=pa.timestamp(series.dtype.unit))
        truncated = pc.cast(naive, pa.timestamp(self.unit), safe=False)
        # Arrow's cast writes `YYYY-MM-DD HH:MM:SS` and the unit's fraction, as pandas does for
        # years 1000-9999 (`_supported` leaves others to pandas); far faster than strftime.
        return pc.binary_join_element_wise(pc.cast(truncated, _STRING), "+00:00", "")


def _text(series: pd.Series, date_format: _DateFormat | None) -> pa.Array:
    """The column's cells as pandas writes them, quoted where needed, missing ones empty."""
    dtype = series.dtype
    if date_format is not None:
        text = date_format.render(series)
    elif isinstance(dtype, pd.StringDtype):
        text = _quoted(pa.array(series.array, type=_STRING, from_pandas=True))
    elif pd.api.types.is_bool_dtype(dtype):
        flags = pa.array(series.array, type=pa.bool_(), from_pandas=True)
        text = pc.if_else(flags, "True", "False")
    elif pd.api.types.is_integer_dtype(dtype):
        text = pc.cast(pa.array(series.array, type=pa.int64(), from_pandas=True), _STRING)
    elif pd.api.types.is_float_dtype(dtype):
        values = series.to_numpy()
        rendered = values.astype(str).astype(object)  # NumPy's str, as pandas uses
        rendered[np.isnan(values)] = None
        text = pa.array(rendered, type=_STRING)
    else:
        gone = series.isna().to_numpy()
        rendered = [None if na else str(value) for value, na in zip(series, gone, strict=True)]
        text = _quoted(pa.array(rendered, type=_STRING))
    return pc.fill_null(text, "")


def _quoted(text: pa.Array) -> pa.Array:
    needs = pc.match_substring_regex(text, _NEEDS_QUOTES)
    if not pc.any(needs).as_py():
        return text
    doubled = pc.replace_substring(text, '"', '""')
    return pc.if_else(needs, pc.binary_join_element_wise('"', doubled, '"', ""), text)


def _quoted_text(text: str) -> str:
    if any(mark in text for mark in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _body(lines: pa.Array) -> memoryview:
    """The bytes of a string array's values, one after another (no copy)."""
    lines = lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
    first, last = offsets[lines.offset], offsets[lines.offset + len(lines)]
    return memoryview(lines.buffers()[2])[first:last]
