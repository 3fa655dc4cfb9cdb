"""Tables as SPSS and Stata want them: categories coded 1, 2, … (context answers as their own
codes), naive UTC dates, no nullable types; with column and value labels from the codebook."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd  # type: ignore[import-untyped]

from experiments.outputs.codebook import Variable

__all__ = ["labelled"]


def labelled(
    frame: pd.DataFrame, variables: Sequence[Variable]
) -> tuple[pd.DataFrame, dict[str, str | None], dict[str, dict[int | float, str]]]:
    """The frame as SPSS/Stata want it: coded categories, naive UTC dates, no nullable types."""
    by_name = {variable.name: variable for variable in variables}
    out = pd.DataFrame(index=frame.index)
    value_labels: dict[str, dict[int | float, str]] = {}
    for column in frame.columns:
        series, variable = frame[column], by_name[column]
        if variable.codes:
            out[column] = series.astype("float64")
            value_labels[column] = {float(code): meaning for code, meaning in variable.codes}
        elif variable.values:
            codes = {value: code for code, (value, _m) in enumerate(variable.values, start=1)}
            out[column] = series.astype("object").map(codes).astype("float64")
            value_labels[column] = {codes[value]: value for value, _m in variable.values}
        elif variable.type == "datetime":
            out[column] = series.dt.tz_convert("UTC").dt.tz_localize(None)
        elif variable.type in ("boolean", "integer"):
            out[column] = series.astype("int64" if series.notna().all() else "float64")
        elif variable.type == "number":
            out[column] = series.astype("float64")
        else:
            out[column] = series.astype("object").where(series.notna(), "").astype("str")
    labels: dict[str, str | None] = {variable.name: variable.label for variable in variables}
    return out, labels, value_labels
