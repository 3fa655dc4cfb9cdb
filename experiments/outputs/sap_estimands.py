"""The plan's estimand sections: intercurrent events and their strategies (ICH E9(R1)), the
subgroup statement, the rule for interim looks, and the micro-randomized estimand in words."""

from __future__ import annotations

from experiments.analysis import describe_subgroups
from experiments.outputs.sap_section import Section
from experiments.protocol import (
    EVENT_LABELS,
    STRATEGY_LABELS,
    AnalysisPlan,
    Protocol,
    describe_duration,
    expected_events,
)

__all__ = ["estimand_sections"]

# What each strategy means for each event, in the analysis Lotgenoot runs.
_DOES = {
    ("primary", "treatment_policy"): "counted as it happens, in the allocated arm",
    ("sensitivity", "while_on_treatment"): "exposure and events end at the event (counts)",
    ("supplementary", "principal_stratum"): "complier-average effect of joining a group (CACE)",
}


def estimand_sections(protocol: Protocol, plan: AnalysisPlan) -> list[Section]:
    """The intercurrent-events table, the subgroup statement, the interim rule, the MRT."""
    sections = [_intercurrent(protocol, plan), _subgroups(plan), _interim(plan)]
    micro = _micro(protocol)
    return sections + ([micro] if micro is not None else [])


def _strategy(plan: AnalysisPlan, event: str, role: str) -> str:
    strategy = plan.strategy(event, role)
    if strategy is None:
        return "–"
    label = STRATEGY_LABELS[strategy]
    does = _DOES.get((role, strategy))
    return f"{label}: {does}" if does else label


def _intercurrent(protocol: Protocol, plan: AnalysisPlan) -> Section:
    events = [e for e in EVENT_LABELS if e in expected_events(protocol)]
    rows = [
        [
            event,
            EVENT_LABELS[event],
            _strategy(plan, event, "primary"),
            _strategy(plan, event, "sensitivity"),
            _strategy(plan, event, "supplementary"),
        ]
        for event in events
    ]
    paragraphs = [
        "Intercurrent events are things that happen after allocation and change what the "
        "outcome means (ICH E9(R1)). The primary estimand is the treatment-policy effect of "
        "allocation: everyone allocated is analysed in their arm, and what happens after any of "
        "these events counts. The table below gives each event's strategy.",
    ]
    notes = [
        "Missing-data assumption of the primary analysis: counts are complete by construction "
        "(no event recorded is zero events), so a participant who stops logging counts as doing "
        "nothing; questionnaire ANCOVA uses complete cases, valid when missingness depends only "
        "on arm and the adjusted baseline covariates (covariate-dependent missingness); multiple "
        "imputation and Lee bounds probe that assumption.",
    ]
    if not protocol.study.keep_research_data_after_erasure:
        notes.append(
            "This study deletes the research record on /delete: an erased participant cannot "
            "be analysed under any strategy and is counted in the flow as erased."
        )
    if plan.strategy("never_joined_group", "supplementary") == "principal_stratum":
        notes.append(
            "Supplementary (CACE): for each contrast of an arm with peer groups, the effect of "
            "joining a group among those who would join when allocated to it, with allocation "
            "as the instrument (Wald ratio: the ITT effect on the outcome divided by the "
            "difference in the share who joined; one-sided non-compliance, since no one outside "
            "a group arm can join). Its standard error is cluster-robust with the primary's "
            "clusters (peer groups; never-placed people alone); it assumes allocation acts only "
            "through joining (exclusion restriction). Labelled supplementary, never a test of "
            "the primary hypothesis."
        )
    return Section(
        "Intercurrent events and estimands",
        paragraphs + notes,
        ["event", "what happened", "primary", "sensitivity", "supplementary"],
        rows,
    )


def _subgroups(plan: AnalysisPlan) -> Section:
    if not plan.subgroup_analyses:
        return Section(
            "Subgroup statement",
            [
                'No subgroup analyses are pre-specified (subgroups = "none"). Any split '
                "shown later is exploratory and hypothesis-generating."
            ],
        )
    return Section(
        "Subgroup statement",
        [
            "Pre-specified subgroup analyses, each an interaction test on the primary outcome, "
            "labelled exploratory: they do not enter the primary family and cannot confirm an "
            "effect on their own.",
            *describe_subgroups(plan),
        ],
    )


def _interim(plan: AnalysisPlan) -> Section:
    return Section(
        "Interim looks",
        [
            "Interim looks are descriptive only: a report made before the planned end (before "
            "every participant's follow-up window has closed) says \"interim look: descriptive "
            'only" at the top; its estimates, intervals and p values decide nothing, and the '
            "trial does not stop early for benefit, harm or futility on them. Safety concerns "
            "go to the ethics committee, not to a test. A group-sequential plan with an "
            "alpha-spending function would be a protocol amendment registered before any look."
        ],
    )


def _micro(protocol: Protocol) -> Section | None:
    micro = protocol.micro_randomization
    if micro is None:
        return None
    components = ", ".join(
        f"{c.component} (probability by week {', '.join(f'{p:g}' for p in c.probability)})"
        for c in micro.components
    )
    window = describe_duration(micro.window)
    varying = any(len(set(c.probability)) > 1 for c in micro.components)
    return Section(
        "Micro-randomized estimand",
        [
            f"In {', '.join(micro.arms)}, {components} is randomized at each decision point. The "
            "proximal estimand is the causal excursion effect (Boruvka et al. 2018): the effect "
            f"on {micro.outcome} within {window} of delivering the component now rather than not,"
            " at decision points where the participant is available, averaged "
            "over how the study otherwise runs (the other decision points keep their "
            "probabilities).",
            "The marginal effect is estimated by EMEE (binary: log relative risk) or WCLS "
            "(counts), with the treatment indicator centred on its known probability p. "
            + (
                "Because p changes by week, the marginal effect is a p(1 − p)-weighted average "
                "of the week-specific effects: weeks randomized near one half count more than "
                "weeks near 0 or 1. The effect in week 1 and its change per week are reported "
                "beside it."
                if varying
                else "With one probability throughout, every decision point weighs the same."
            ),
        ],
    )
