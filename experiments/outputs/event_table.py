"""The export's events table: one row per recorded event, with its simple detail values as
columns (`detail_<key>`) and nothing that could say who someone is."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

__all__ = ["IDENTIFYING", "event_table"]

# Column names (and event detail keys) that could hold who someone is rather than what they did.
IDENTIFYING = re.compile(
    r"name|user|chat|telegram|phone|mail|text|link|title|address|token|code|invite|from|tag|"
    r"(^|_)ids?$|payload|error",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,39}$")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,23}$")


def event_table(events: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "event_id": events["id"].astype("int64"),
            "participant_id": events["participant_id"].astype("int64"),
            "kind": events["kind"],
            "amount_cents": events["amount_cents"].astype("Int64"),
            "quantity": events["quantity"].astype("Int64"),
            "occurred_at": events["occurred_at"],
            "source": events["source"],
            "corrects_event_id": events["corrects_event_id"].astype("Int64"),
        },
        copy=False,
    )
    for key, values in _flat_details(events["detail"]).items():
        frame[f"detail_{key}"] = values
    if "detail_date" in frame.columns:  # a linked outcome's date: a date, so shifted like one
        frame["detail_date"] = pd.to_datetime(frame["detail_date"], utc=True)
    return frame


def _flat_details(details: pd.Series) -> dict[str, list[Any]]:
    """Simple, non-identifying detail values as columns; anything else stays in the database."""
    columns: dict[str, list[Any]] = {}
    simple: dict[tuple[object, object, type], bool] = {}  # the same few pairs recur
    values = details.to_numpy(dtype=object)
    for row in np.flatnonzero(pd.notna(values)):  # most events have no detail
        detail = values[row]
        if not detail or not isinstance(detail, dict):
            continue
        for key, value in detail.items():
            if isinstance(value, dict | list):
                continue  # never simple (and not hashable)
            pair = (key, value, type(value))  # the type keeps True apart from 1
            if pair not in simple:
                simple[pair] = _simple(key, value)
            if not simple[pair]:
                continue
            if key not in columns:
                columns[key] = [None] * len(details)
            columns[key][row] = value
    return {key: columns[key] for key in sorted(columns)}


def _simple(key: object, value: object) -> bool:
    if not isinstance(key, str) or not _KEY.match(key) or IDENTIFYING.search(key):
        return False
    if isinstance(value, bool | float):
        return True
    if isinstance(value, int):
        return abs(value) < 1_000_000  # larger whole numbers may be external ids
    return isinstance(value, str) and bool(_TOKEN.match(value))
