"""Lines of CSV parsed by Arrow, then the plain DataFrames `experiments` works on."""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
import pyarrow as pa
from pyarrow import compute, csv
from sqlalchemy import JSON, Boolean, Float, Integer, String

from bot.db.types import UTCDateTime
from bot.research.lines import MODELS
from experiments.outputs import RAW_COLUMNS

pc: Any = compute  # its kernels are generated at import time, unseen by mypy
pa_csv: Any = csv


def parsed(lines: str, table: str, *, keyed: bool = False) -> pa.Table:
    """Lines of CSV as an Arrow table (NULL where a cell is empty or an unquoted NULL): whole
    numbers, UTC times (naive) and booleans as such, the rest as texts. A `keyed` page's lines
    start with their key: put in key order should SQLite have joined them otherwise."""
    model = MODELS[table]
    names = list(RAW_COLUMNS[table])
    types = {name: _arrow_type(getattr(model, name).type) for name in names}
    if keyed:
        names, types = ["_key", *names], {"_key": pa.int64(), **types}
    # Every line ends in a newline: Arrow reads an empty last cell of an unended last line as
    # quoted (an empty text rather than NULL).
    cells = pa_csv.read_csv(
        io.BytesIO((lines + "\n").encode("utf-8")),
        read_options=pa_csv.ReadOptions(column_names=names, use_threads=False),
        parse_options=pa_csv.ParseOptions(quote_char="'", newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types=types,
            null_values=["", "NULL"],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )
    if not keyed:
        return cells
    keys = cells.column("_key").to_numpy()
    if len(keys) > 1 and not (keys[1:] > keys[:-1]).all():
        cells = cells.take(np.argsort(keys, kind="stable"))
    return cells.drop_columns(["_key"])


def _arrow_type(kind: Any) -> pa.DataType:
    if isinstance(kind, UTCDateTime):
        return pa.timestamp("us")
    if isinstance(kind, Boolean):
        return pa.bool_()
    if isinstance(kind, Float):
        return pa.float64()
    return pa.int64() if isinstance(kind, Integer) else pa.string()


def frame(parts: list[pa.Table], table: str) -> pd.DataFrame:
    """The raw table with the dtypes the export and report expect (see `_column`); empties
    `parts` as it goes, so that each column's Arrow cells are freed once converted."""
    names, model = RAW_COLUMNS[table], MODELS[table]
    if not parts:
        kinds = {name: _arrow_type(getattr(model, name).type) for name in names}
        parts.append(pa.table({name: pa.array([], kind) for name, kind in kinds.items()}))
    cells = pa.concat_tables(parts)
    parts.clear()
    columns = {}
    for name in names:
        columns[name] = _column(cells.column(name), getattr(model, name).type)
        cells = cells.drop_columns([name])
    return pd.DataFrame(columns, copy=False)  # no copy into consolidated blocks


def _column(cells: pa.ChunkedArray, kind: Any) -> Any:
    """A column as pandas would have inferred it from the driver's Python values:
    UTC times (microseconds; whole seconds when none is set), JSON objects (None for `{}`),
    strings; whole numbers as int64, as float64 when some are missing, as objects when all are.
    """
    present = len(cells) - cells.null_count
    if isinstance(kind, UTCDateTime):
        unit = "us" if present else "s"
        return pc.cast(cells, pa.timestamp(unit, tz="UTC")).to_pandas()
    if isinstance(kind, JSON):
        values = np.full(len(cells), None, dtype=object)
        if not present:  # and pyarrow 24's indices_nonzero crashes on an empty chunked array
            return values
        given = pc.and_(pc.is_valid(cells), pc.not_equal(cells, "{}"))
        where = pc.indices_nonzero(given).to_numpy()
        # Each distinct text is parsed once; rows with the same text share the (read-only)
        # object: details repeat a lot ({"what": "school"}), and a million dicts weigh.
        texts = pc.dictionary_encode(pc.take(cells, where)).combine_chunks()
        parsed = np.empty(len(texts.dictionary), dtype=object)
        parsed[:] = [json.loads(text) for text in texts.dictionary.to_pylist()]
        values[where] = parsed[texts.indices.to_numpy(zero_copy_only=False)]
        return values
    if isinstance(kind, String):
        return cells.to_pandas()
    if present == len(cells) and present:
        return cells.to_numpy()
    if present == 0 or cells.type == pa.bool_():
        return np.array(cells.to_pylist(), dtype=object)
    return pc.cast(cells, pa.float64()).to_numpy()
