"""The report's estimand parts: the interim-look banner before the planned end, and the
supplementary complier-average effect (CACE) of joining a peer group."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pandas as pd  # type: ignore[import-untyped]

from experiments import analysis as an
from experiments.analysis.cace import Cace, cace_estimates
from experiments.protocol import Protocol, resolve_outcome

__all__ = ["cace_pairs", "estimand_context", "interim_note"]


def estimand_context(
    tables: Mapping[str, pd.DataFrame],
    protocol: Protocol,
    analysis: an.TrialAnalysis,
    as_of: datetime,
) -> dict[str, Any]:
    """The template's interim_note, cace_header, cace_rows and cace_note."""
    found = _cace(tables, protocol, analysis)
    return {
        "interim_note": interim_note(analysis, as_of),
        "cace_header": [
            "comparison",
            "n",
            "joined a group (arm / comparator)",
            "ITT difference",
            "CACE (joined vs not)",
            f"{1 - analysis.plan.alpha:.0%} CI",
            "df",
        ],
        "cace_rows": [_cace_row(c) for c in found],
        "cace_note": (
            f"{_label(protocol, analysis)}: the effect of joining a peer group among those who "
            "join when allocated to it, with allocation as the instrument (Wald ratio: the ITT "
            "difference in means over the difference in the share who joined; Angrist, Imbens "
            "& Rubin 1996). Cluster-robust standard error over the primary's clusters (peer "
            "groups; people never placed alone), t with formed groups − 1 df. It assumes "
            "allocation works only through joining. Supplementary: no test of the primary "
            "hypothesis."
        ),
    }


def interim_note(analysis: an.TrialAnalysis, as_of: datetime) -> str:
    """The banner of a report made before the planned end: before every analysed participant's
    follow-up window has closed. Empty at or after the end, and without a registered plan."""
    plan = analysis.plan
    if not analysis.registered_plan or plan.interim != "descriptive_only":
        return ""
    allocated = pd.to_datetime(analysis.people.get("allocated_at"), utc=True)
    if allocated is None or len(allocated) == 0 or allocated.isna().all():
        return "Interim look: descriptive only. No one has been allocated yet."
    end = allocated.max() + plan.follow_up
    if pd.Timestamp(as_of) >= end:
        return ""
    return (
        "Interim look: descriptive only. The planned end (the last participant's follow-up "
        f"window closes {end:%Y-%m-%d}) has not been reached: the estimates below decide "
        "nothing, and the trial does not stop early on them (the analysis plan's interim rule)."
    )


def cace_pairs(protocol: Protocol, analysis: an.TrialAnalysis) -> list[tuple[str, str]]:
    """Each contrast of an arm with peer groups against one without: against control, and the
    secondary contrasts."""
    design = an.Design.from_protocol(protocol)
    grouped = set(design.grouped_arms)
    pairs = [(arm, design.control) for arm in design.treatments if arm in grouped]
    for a, b in analysis.plan.secondary_contrasts:
        if (a in grouped) != (b in grouped):
            pair = (a, b) if a in grouped else (b, a)
            if pair not in pairs:
                pairs.append(pair)
    return [p for p in pairs if p[1] not in grouped]


def _cace(
    tables: Mapping[str, pd.DataFrame], protocol: Protocol, analysis: an.TrialAnalysis
) -> list[Cace]:
    plan = analysis.plan
    wanted = plan.strategy("never_joined_group", "supplementary") == "principal_stratum"
    spec = resolve_outcome(plan.primary, protocol)
    if spec is None or not (wanted or not analysis.registered_plan):
        return []
    pairs = cace_pairs(protocol, analysis)
    return cace_estimates(tables, analysis.people, plan, spec, pairs, analysis.wave)


def _label(protocol: Protocol, analysis: an.TrialAnalysis) -> str:
    spec = resolve_outcome(analysis.plan.primary, protocol)
    return spec.label if spec is not None else analysis.plan.primary


def _cace_row(c: Cace) -> list[str]:
    shares = f"{c.joined[0]:.0%} / {c.joined[1]:.0%}"
    common = [f"{c.arm} vs {c.comparator}", f"{c.n[0]} / {c.n[1]}", shares, _number(c.itt)]
    if c.estimate is None:
        return [*common, "not estimable", c.note, "–"]
    interval = f"{_number(c.low)} to {_number(c.high)}"
    return [*common, _number(c.estimate), interval, str(c.df)]


def _number(value: float | None, digits: int = 2) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"
