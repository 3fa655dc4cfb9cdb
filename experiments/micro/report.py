"""The report's section on micro-randomized nudges: causal excursion effects and their checks."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd  # type: ignore[import-untyped]

from experiments.analysis import FIT_ERRORS, NotEstimable, reporting_scale
from experiments.micro.excursion import METHOD_CITATIONS, ExcursionEstimate, analyse_decisions
from experiments.protocol import Protocol, describe_duration

__all__ = ["micro_context"]

_NUMERIC = ("week", "day", "prior_outcome", "prior_sent")


def micro_context(
    tables: Mapping[str, pd.DataFrame],
    protocol: Protocol,
    truth: Mapping[str, float] | None = None,
) -> dict[str, Any] | None:
    """What the report shows about the micro-randomized decisions, or None without any."""
    micro = protocol.micro_randomization
    decisions = tables.get("micro_decisions")
    if micro is None or decisions is None or decisions.empty:
        return None
    sections: list[dict[str, Any]] = []
    for item in micro.components:
        rows = decisions[decisions["component"] == item.component].copy()
        if rows.empty:
            continue
        rows["participant"] = rows["pseudonym"]
        controls = [c for c in micro.covariates if c in _NUMERIC and c in rows.columns]
        for column in controls:
            rows[column] = rows[column].astype("float64")
        rows = rows.dropna(subset=controls)
        usable = rows[rows["available"].astype(bool) & rows["outcome"].notna()]
        if usable["participant"].nunique() < len(controls) + 4 or usable["sent"].nunique() < 2:
            sections.append({"component": item.component, "too_few": len(usable)})
            continue
        try:
            result = analyse_decisions(
                rows, micro.scale, controls, numerator=micro.numerator_probability
            )
        except FIT_ERRORS as error:
            failed = f"the excursion model could not be fitted ({error})"
            sections.append({"component": item.component, "too_few": None, "not_estimable": failed})
            continue
        binary = result.method == "EMEE"
        estimates = [result.marginal, result.week_one, result.per_week]
        check = result.check
        sections.append(
            {
                "component": item.component,
                "too_few": None,
                "not_estimable": None,
                "method": result.method,
                "scale": "relative risk (exp of the log relative risk)" if binary else "difference",
                "header": [
                    "term",
                    "estimate",
                    "95% CI",
                    "p",
                    *(["simulated truth"] if truth else []),
                ],
                "rows": [_row(e, binary, truth) for e in estimates],
                "week_header": [
                    "week",
                    "decision points",
                    "available",
                    "planned probability",
                    "share sent",
                ],
                "week_rows": [
                    [
                        int(w.week),
                        int(w.decisions),
                        f"{w.availability:.0%}",
                        _fmt(w.planned),
                        _fmt(w.realised),
                    ]
                    for w in result.by_week.itertuples()
                ],
                "participants": result.participants,
                "decisions": result.decisions,
                "availability": f"{result.availability_rate:.0%}",
                "srm": {
                    "sent": check.sent,
                    "available": check.available,
                    "realised": f"{check.realised_share:.3f}",
                    "planned": f"{check.planned_share:.3f}",
                    "z": f"{check.z:.2f}",
                    "p": f"{check.p_value:.3f}",
                    "mismatch": check.p_value < 0.001,
                },
                "controls": ", ".join(controls) or "none",
            }
        )
    return {
        "outcome": micro.outcome,
        "window": describe_duration(micro.window),
        "scale": micro.scale,
        "arms": ", ".join(micro.arms),
        "several_arms": len(protocol.arms) > 1,
        "components": sections,
        "citations": [METHOD_CITATIONS[k] for k in ("MRT", "EMEE", "WCLS")],
    }


def _row(estimate: ExcursionEstimate, binary: bool, truth: Mapping[str, float] | None) -> list[str]:
    ratio = binary and estimate.term == "change per week"
    term = f"{estimate.term} (ratio of relative risks)" if ratio else estimate.term
    digits = 2 if binary and not ratio else 3
    shown = reporting_scale(estimate.estimate, estimate.low, estimate.high, ratio=binary)
    if not (estimate.se > 0 and math.isfinite(estimate.p_value)):
        shown = NotEstimable("no variation left to estimate a standard error")
    if isinstance(shown, NotEstimable):
        cells = [term, "not estimable", shown.reason, "–"]
    else:
        value, low, high = shown
        cells = [term, f"{value:.{digits}f}", f"{low:.{digits}f} to {high:.{digits}f}"]
        cells.append(f"{estimate.p_value:.3f}" if estimate.p_value >= 0.001 else "<0.001")
    if truth:
        known = truth.get(estimate.term)
        if known is None:
            cells.append("")
        else:
            cells.append(f"{math.exp(known):.3f}" if binary else f"{known:.3f}")
    return cells


def _fmt(value: float) -> str:
    return (
        "" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.2f}"
    )
