"""The baseline context as participants columns: each context item's answer as its code, a
multiple-choice item spread into one 0/1 column per option; empty where not answered."""

from __future__ import annotations

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from experiments.protocol import (
    PREFER_NOT_TO_SAY,
    Protocol,
    baseline_context,
    context_variables,
)

__all__ = ["context_frame"]


def context_frame(answers: pd.DataFrame, ids: pd.Series, protocol: Protocol | None) -> pd.DataFrame:
    """A column per context variable the protocol asks at baseline (without a protocol: of the
    shipped context instruments answered), a row per participant id in `ids` (internal ids)."""
    context = baseline_context(protocol.questionnaires if protocol is not None else None)
    if protocol is None:
        context = [i for i in context if i.id in set(answers["instrument"])]
    variables = context_variables(context)
    baseline = answers[answers["wave"] == "baseline"]
    frame = pd.DataFrame(index=ids.index)
    # the answers to each item, split off once (rows in table order) rather than comparing the
    # whole table with each item's name in turn
    answered = dict(iter(baseline.groupby(["instrument", "item"], sort=False)))
    items: dict[tuple[str, str], pd.Series] = {}
    for variable in variables:
        key = (variable.instrument, variable.item)
        if key not in items:
            mine = answered.get(key, baseline.iloc[0:0]).drop_duplicates("participant_id")
            by_person = pd.Series(
                mine["value"].to_numpy(dtype="int64"), index=mine["participant_id"].to_numpy()
            )
            items[key] = ids.map(by_person)
        values = items[key]
        if variable.option is not None:
            present = values.notna().to_numpy()
            raw = values.fillna(0).to_numpy(dtype="int64")
            bit = raw >> variable.option & 1
            ticked = np.where(raw == PREFER_NOT_TO_SAY, PREFER_NOT_TO_SAY, bit)
            values = pd.Series(np.where(present, ticked, 0), index=ids.index).where(present)
        frame[variable.column] = values.astype("Int64")
    return frame
