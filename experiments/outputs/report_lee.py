"""The report's Lee-bounds table (bounds and their Imbens–Manski interval), and df as shown."""

from __future__ import annotations

import math
from typing import Any

from experiments import analysis as an

__all__ = ["df_text", "lee_context"]


def lee_context(analysis: an.TrialAnalysis) -> dict[str, Any]:
    """The template's lee_header, lee_rows and lee_note."""
    return {
        "lee_header": [
            "comparison",
            "observed (arm / control)",
            "scale",
            "lower",
            "upper",
            "95% CI (Imbens–Manski)",
        ],
        "lee_rows": [
            [
                b.contrast,
                f"{b.observed[0]:.0%} / {b.observed[1]:.0%}",
                b.scale,
                _number(b.low),
                _number(b.high),
                _interval(b),
            ]
            for b in analysis.lee
            if b.not_estimable is None
        ],
        "lee_missing": [
            f"{b.contrast}: no bounds ({b.not_estimable.reason})"
            for b in analysis.lee
            if b.not_estimable is not None
        ],
        "lee_note": (
            f"{analysis.lee[0].outcome.label if analysis.lee else 'The primary outcome'}: the "
            "arm that kept more participants observed is trimmed by the excess share, from the "
            "top (lower bound) or the bottom (upper bound) (Lee 2009). Observed: still reachable "
            "at the end of the window (event outcomes) or a follow-up score (questionnaires). "
            "The interval holds the effect the bounds bracket with 95% probability (Imbens & "
            "Manski 2004; each bound's SE from a bootstrap that resamples peer groups whole)."
        ),
    }


def df_text(df: float | None) -> str:
    """Degrees of freedom as shown: whole for t(G − 1), one decimal for Satterthwaite's."""
    if df is None:
        return "–"
    return f"{df:.0f}" if float(df).is_integer() else f"{df:.1f}"


def _interval(b: an.LeeBounds) -> str:
    if b.ci_low is None or b.ci_high is None:
        return "– (too few observed to resample)"
    return f"{_number(b.ci_low)} to {_number(b.ci_high)}"


def _number(value: float | None, digits: int = 2) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"
