"""The baseline context in the baseline table: each answer by its value label, n (%) by arm."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd  # type: ignore[import-untyped]

from experiments.protocol import (
    PREFER_NOT_LABEL,
    PREFER_NOT_TO_SAY,
    ContextVariable,
    Protocol,
    baseline_context,
    context_variables,
)

__all__ = ["context_rows", "mean_sd", "protocol_context"]


def protocol_context(protocol: Protocol) -> list[ContextVariable]:
    """The columns of the context instruments the protocol asks at baseline."""
    return context_variables(baseline_context(protocol.questionnaires))


def context_rows(
    columns: Mapping[str, pd.DataFrame], context: Sequence[ContextVariable]
) -> dict[str, list[str]]:
    """Rows of the baseline table for the context variables, per column of people (arms, All):
    a number's mean (SD); a category's n (%) per value label, then "not answered"; a
    multiple-choice item's n (%) ticked per option."""
    rows: dict[str, list[str]] = {}
    groups = list(columns.values())
    present = [v for v in context if all(v.column in people.columns for people in groups)]
    for index, variable in enumerate(present):
        values = [people[variable.column] for people in groups]
        name = variable.label
        if not variable.categorical:
            answered = [v.where(v != PREFER_NOT_TO_SAY).astype("Float64") for v in values]
            rows[f"{name}, mean (SD)"] = [mean_sd(v) for v in answered]
        elif variable.option is not None:  # one row per option: ticked
            rows[f"{name}, n (%)"] = [_share(v == 1, len(v)) for v in values]
            following = present[index + 1] if index + 1 < len(present) else None
            if following is not None and following.item == variable.item:
                continue  # "prefer not to say" and "not answered" once, after the last option
            name = name.rsplit(": ", 1)[0]
        else:
            for code, meaning in variable.codes:
                if code != PREFER_NOT_TO_SAY:
                    shares = [_share(v == code, len(v)) for v in values]
                    rows[f"{name}: {meaning}, n (%)"] = shares
        if any(code == PREFER_NOT_TO_SAY for code, _m in variable.codes):
            refused = [_share(v == PREFER_NOT_TO_SAY, len(v)) for v in values]
            rows[f"{name}: {PREFER_NOT_LABEL.lower()}, n (%)"] = refused
        rows[f"{name}: not answered, n (%)"] = [_share(v.isna(), len(v)) for v in values]
    return rows


def _share(mask: pd.Series, total: int) -> str:
    count = int(mask.fillna(False).sum())
    return f"{count} ({100 * count / total:.0f}%)" if total else "0"


def mean_sd(values: pd.Series) -> str:
    """ "mean (SD), n=…" of the values present, one decimal; "–" where there is nothing."""
    present = values.dropna().astype("float64")
    if present.empty:
        return "–"
    spread = f"{present.std():.1f}" if len(present) > 1 else "–"
    return f"{present.mean():.1f} ({spread}), n={len(present)}"
