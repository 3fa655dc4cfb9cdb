"""The report's "Delivery, dose and cost" section: dose per arm and per peer group counted from
events (`experiments.analysis.dose`), the cost per participant per arm and, beside the primary
outcome, the cost per extra unit of it against the comparator (the protocol's `[costs]`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pandas as pd  # type: ignore[import-untyped]

from experiments import analysis as an
from experiments.analysis import dose as ds
from experiments.protocol import Protocol

__all__ = ["dose_context"]

_ARM_HEADER = [
    "arm",
    "participants",
    "messages delivered (per participant)",
    "topics: private / in groups",
    "check-ins: plans / reviews (prompts)",
    "group messages: members / counsellor",
    "questions: asked / answered",
    "median hours to an answer",
    "outreach: sent / answered",
    "counsellor hours",
    "cost per participant",
]
_GROUP_HEADER = [
    "group",
    "arm",
    "members (joined)",
    "weeks",
    "topics posted",
    "check-in prompts",
    "plans",
    "reviews",
    "member messages",
    "counsellor posts",
    "counsellor answers",
    "digests",
]


def dose_context(
    tables: Mapping[str, pd.DataFrame],
    protocol: Protocol,
    design: an.Design,
    analysis: an.TrialAnalysis,
    as_of: datetime,
) -> dict[str, Any]:
    """The template's `dose` (rendered by the `dose_section` macro of dose.html.j2)."""
    groups = ds.dose_by_group(tables, as_of)
    doses = ds.dose_by_arm(tables, design.arms, as_of, groups=groups)
    costs = ds.arm_costs(doses, protocol.costs) if protocol.costs is not None else None
    by_arm = {c.arm: c for c in costs or []}
    primary = analysis.primary
    label = primary[0].outcome.label if primary else analysis.plan.primary
    follow_up = analysis.plan.follow_up
    return {
        "arm_header": _ARM_HEADER if costs else _ARM_HEADER[:-2],
        "arm_rows": [_arm_row(d, by_arm.get(d.arm)) for d in doses],
        "group_header": _GROUP_HEADER,
        "group_rows": [_group_row(g) for g in groups],
        "costs": _costs_note(protocol) if costs else None,
        "extra_header": [
            "comparison",
            "extra cost per participant",
            f"extra {label.lower()} per participant",
            f"cost per extra unit of {label.lower()}",
        ],
        "extra_rows": [_extra_row(ds.cost_per_extra_unit(r, by_arm, follow_up)) for r in primary]
        if costs
        else [],
    }


def _arm_row(d: ds.ArmDose, cost: ds.ArmCost | None) -> list[str]:
    row = [
        d.arm,
        str(d.participants),
        f"{d.messages_delivered} ({_mean(d, d.messages_delivered)})",
        f"{d.topics_private} / {d.topics_in_groups}",
        f"{d.checkin_plans} / {d.checkin_reviews} ({d.checkin_prompts})",
        f"{d.member_messages} / {d.counsellor_posts}",
        f"{d.questions} / {d.questions_answered}",
        "–" if d.median_answer_hours is None else f"{d.median_answer_hours:.1f}",
        f"{d.outreach_sent} / {d.outreach_answered}",
    ]
    if cost is not None:
        per = cost.per_participant_eur
        row += [f"{cost.counsellor_hours:.1f}", "–" if per is None else _eur(per)]
    return row


def _group_row(g: ds.GroupDose) -> list[str]:
    return [
        str(g.group_id),
        g.arm,
        f"{g.members} ({g.joined})",
        f"{g.weeks:.1f}",
        *(
            str(n)
            for n in (
                g.topics,
                g.checkin_prompts,
                g.checkin_plans,
                g.checkin_reviews,
                g.member_messages,
                g.counsellor_posts,
                g.counsellor_answers,
                g.digests,
            )
        ),
    ]


def _extra_row(e: ds.ExtraCost) -> list[str]:
    cost = "–" if e.extra_cost_eur is None else _eur(e.extra_cost_eur)
    units = "–" if e.extra_units is None else f"{e.extra_units:.2f}"
    per = f"not estimable: {e.not_estimable}" if e.per_unit_eur is None else _eur(e.per_unit_eur)
    return [e.contrast, cost, units, per]


def _costs_note(protocol: Protocol) -> str:
    costs = protocol.costs
    assert costs is not None
    m = costs.minutes
    return (
        f"Costs to the data date: {_eur(costs.per_participant_fixed_eur)} per allocated "
        f"participant in every arm, plus counsellor time at {_eur(costs.counsellor_hour_eur)} an "
        f"hour: {m.answer:g} minutes per answer, {m.group_post:g} per group post, {m.digest:g} "
        f"per digest, {m.outreach:g} per outreach message and {m.group_week:g} per group week "
        "(the protocol's [costs]). The cost per extra unit divides the extra cost per "
        "participant by the extra outcome per participant that the primary estimate implies "
        "(for a rate ratio: (RR − 1) × the comparator's rate × the follow-up weeks); it is not "
        "estimable when the estimate is missing or not above no effect, or when the arm costs "
        "less and does better."
    )


def _mean(d: ds.ArmDose, count: int) -> str:
    mean = d.per_participant(count)
    return "–" if mean is None else f"{mean:.1f}"


def _eur(value: float) -> str:
    return f"€{value:,.2f}"
