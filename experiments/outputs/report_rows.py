"""Result rows as the report shows them: numbers formatted, a warning on thin intervals, and the
contrasts without an estimate folded into one line per outcome instead of rows of dashes."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from experiments import analysis as an
from experiments.outputs.report_lee import df_text
from experiments.outputs.report_summary import thin_df

__all__ = ["number", "p_text", "result_row", "result_table"]

_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")
_WAVE = re.compile(r"follow-up (\d+)")


def number(value: float | None, digits: int = 2) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def p_text(value: float | None) -> str:
    return "–" if value is None else "< 0.001" if value < 0.001 else f"{value:.3f}"


def df_warning(df: float | None) -> str:
    """The visible caveat on an interval with two or fewer degrees of freedom."""
    if not thin_df(df):
        return ""
    return f"⚠ only {df_text(df)} degrees of freedom: this interval is unreliable"


def result_row(r: an.Result) -> dict[str, Any]:
    digits = 3 if r.outcome.kind == "count" else 2
    observed = " / ".join(number(v, digits) for v in r.summary)
    if r.outcome.kind == "binary":
        observed = " / ".join("–" if v is None else f"{v:.0%}" for v in r.summary)
    missing = r.not_estimable
    ci = f"{number(r.low)} to {number(r.high)}" if missing is None else missing.reason
    groups = "" if r.groups is None else f"{r.groups} ({df_text(r.df)})"
    return {
        "outcome": r.outcome.label,
        "contrast": r.contrast,
        "analysis": r.analysis + (f" ({r.note})" if r.note else ""),
        "analysis_plain": r.analysis,
        "n": f"{r.n[0]} / {r.n[1]}",
        "observed": observed,
        "measure": r.measure,
        "estimate": "not estimable" if missing else number(r.estimate),
        "ci": ci,
        "ci_is_note": missing is not None,
        "df_warning": "" if missing else df_warning(r.df),
        "p": p_text(r.p_value),
        "p_adjusted": p_text(r.p_adjusted)
        + (f" ({r.adjustment})" if r.adjustment and r.p_adjusted is not None else ""),
        "groups": groups,
        "prespecified": r.prespecified,
    }


def _reason(r: an.Result, not_due: Mapping[int, int]) -> str:
    """Why a contrast has no estimate; a questionnaire wave nobody has reached says so."""
    found = _WAVE.search(r.analysis)
    if r.outcome.kind == "questionnaire" and found and int(found.group(1)) in not_due:
        wave = int(found.group(1))
        ordinal = _ORDINALS[wave - 1] if wave <= len(_ORDINALS) else f"number {wave}"
        return (
            f"not yet estimable: the {ordinal} follow-up (week {not_due[wave]}) is not due for "
            "anyone yet"
        )
    assert r.not_estimable is not None
    return f"not estimable: {r.not_estimable.reason}"


def result_table(results: Iterable[an.Result], not_due: Mapping[int, int]) -> dict[str, Any]:
    """Rows with estimates, then one line per outcome (and analysis) whose contrasts have none;
    columns only where some row has a value (no columns of dashes)."""
    rows: list[dict[str, Any]] = []
    missing: dict[tuple[str, str], dict[str, Any]] = {}
    for r in results:
        if r.not_estimable is None:
            rows.append(result_row(r))
            continue
        key = (r.outcome.label, r.analysis)
        line = missing.setdefault(
            key,
            {
                "outcome": r.outcome.label,
                "measure": r.measure,
                "analysis": r.analysis,
                "reasons": {},
                "prespecified": r.prespecified,
            },
        )
        line["reasons"].setdefault(_reason(r, not_due), []).append(r.contrast)
    estimated = {(r["outcome"], r["analysis_plain"]) for r in rows}
    lines = []
    for key, line in missing.items():
        reasons = line.pop("reasons")
        if len(reasons) == 1 and key not in estimated:
            [text] = reasons
            line["text"] = text
        else:
            line["text"] = "; ".join(f"{', '.join(c)}: {t}" for t, c in reasons.items())
        lines.append(line)
    return {
        "rows": rows,
        "missing": lines,
        "adjusted": any(r["p_adjusted"] != "–" for r in rows),
        "groups": any(r["groups"] for r in rows),
    }
