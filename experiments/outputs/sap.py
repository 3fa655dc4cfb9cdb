"""The statistical analysis plan, generated from the protocol, as Markdown and as HTML."""

from __future__ import annotations

from datetime import datetime

from experiments.analysis import (
    Design,
    participants_per_arm,
    primary_assumptions,
)
from experiments.outputs.sap_dose import dose_paragraphs
from experiments.outputs.sap_estimands import estimand_sections
from experiments.outputs.sap_instruments import (
    instrument_rows,
    instruments_header,
    instruments_paragraphs,
)
from experiments.outputs.sap_section import Section
from experiments.protocol import (
    AnalysisPlan,
    OutcomeSpec,
    Protocol,
    describe_duration,
    follow_up_wave,
    resolve_outcome,
)

__all__ = ["Section", "plan_sections", "render_html", "render_markdown"]

_MODELS = {
    "count": "Poisson GLM of the number of events with log weeks of exposure as offset and "
    "robust (sandwich) standard errors; reported as a rate ratio. Exposure runs from allocation "
    "to the end of the window or the data date.",
    "money": "OLS of the total over the window with robust (HC2) standard errors; reported as a "
    "difference in means.",
    "binary": "Modified Poisson regression (Poisson GLM of the 0/1 outcome with robust standard "
    "errors, Zou 2004); reported as a risk ratio.",
    "questionnaire": "ANCOVA: OLS of the follow-up score on arm and the baseline score "
    "(Vickers & Altman 2001), complete cases; reported as an adjusted difference in means.",
}


_DEGREES_OF_FREEDOM = {
    "groups_minus_one": "Those contrasts use t with G − 1 degrees of freedom, G the number of "
    "formed groups (never-placed participants do not count in G); the others t with n − k.",
    "satterthwaite": "Every contrast uses t with its Bell–McCaffrey (Satterthwaite) degrees of "
    "freedom for CR2 (Bell & McCaffrey 2002; Pustejovsky & Tipton 2018), computed as R's "
    "clubSandwich does, which with few groups keep the type-I error near 5% without the "
    "power t(G − 1) costs (bench/validity.py).",
    "imbens_kolesar": "Every contrast uses t with its Imbens–Kolesár degrees of freedom for CR2 "
    "(Imbens & Kolesár 2016: a working model with the within-group correlation the residuals "
    "show), computed as R's dfadjust does.",
}


def plan_sections(protocol: Protocol) -> list[Section]:
    """The plan's sections: design, arms, allocation, outcomes, models, multiplicity, size, and
    the instruments with their provenance."""
    design = Design.from_protocol(protocol)
    plan = protocol.analysis
    if plan is None:
        raise ValueError("the protocol has no [analysis] section: nothing to register")
    specs = [s for s in (resolve_outcome(n, protocol) for n in plan.outcomes) if s is not None]
    return [
        _design(protocol, design, plan),
        _arms(protocol, design),
        _allocation(protocol),
        _outcomes(protocol, plan, specs),
        _models(plan, specs, design),
        _multiplicity(plan, design),
        _missing(plan, protocol),
        *estimand_sections(protocol, plan),
        Section(*dose_paragraphs(protocol)),
        _sample_size(protocol, plan, design),
        Section(
            "Instruments and their provenance",
            instruments_paragraphs(protocol),
            instruments_header,
            instrument_rows(protocol),
        ),
    ]


def _design(protocol: Protocol, design: Design, plan: AnalysisPlan) -> Section:
    kind = (
        f"a 2×2 factorial randomized trial (factors {' and '.join(plan.factorial.factors)})"
        if plan.factorial
        else f"a {len(design.arms)}-arm parallel randomized trial"
    )
    grouped = ", ".join(design.grouped_arms)
    nesting = (
        f" Participants in {grouped} are placed in moderated peer groups of "
        f"{protocol.groups.min_size}–{protocol.groups.max_size}: a partially nested design in "
        "which only those arms are clustered."
        if grouped
        else ""
    )
    return Section(
        "Design",
        [
            f"{protocol.study.name} (protocol version {protocol.study.version}) is {kind}, "
            f"control arm {design.control} ({design.control_reason}).{nesting}",
            f"Estimand: {plan.estimand} (treatment policy): everyone allocated, analysed in the "
            f"arm they were allocated to, whatever they did afterwards. Outcomes are counted over "
            f"{describe_duration(plan.follow_up)} from each participant's allocation. Two-sided "
            f"alpha {plan.alpha:g}.",
        ],
    )


def _arms(protocol: Protocol, design: Design) -> Section:
    return Section(
        "Arms",
        header=["arm", "weight", "components", "role"],
        rows=[
            [
                arm.name,
                str(arm.weight),
                ", ".join(arm.components) or "none",
                "control" if arm.name == design.control else "intervention",
            ]
            for arm in protocol.arms
        ],
    )


def _allocation(protocol: Protocol) -> Section:
    factors = ", ".join(protocol.stratification.by) or "none"
    total = sum(arm.weight for arm in protocol.arms)
    blocks = ", ".join(str(m * total) for m in protocol.randomization.block_multiples)
    return Section(
        "Allocation",
        [
            f"Stratified permuted blocks (strata: {factors}; block sizes {blocks}, chosen at "
            "random), from a keyed sequence kept in a hash-chained allocation log that "
            "`lotgenoot study verify` checks. Allocation happens after consent and the baseline "
            "questionnaire; staff never see the allocation history."
        ],
    )


def _outcomes(protocol: Protocol, plan: AnalysisPlan, specs: list[OutcomeSpec]) -> Section:
    wave = follow_up_wave(protocol)
    rows = []
    for index, spec in enumerate(specs):
        when = (
            f"follow-up survey {wave}"
            if spec.kind == "questionnaire"
            else f"{describe_duration(plan.follow_up)} from allocation"
        )
        rows.append(
            [
                "primary" if index == 0 else "secondary",
                spec.name,
                spec.label,
                spec.track or "both tracks",
                spec.source,
                when,
                spec.measure,
            ]
        )
    return Section(
        "Outcomes",
        [
            "Every outcome is something the bot records, named as the export names it. The "
            "primary outcome is the only one the trial is powered for."
        ],
        ["role", "name", "outcome", "who", "recorded as", "when", "measure"],
        rows,
    )


def _models(plan: AnalysisPlan, specs: list[OutcomeSpec], design: Design) -> Section:
    kinds = list(dict.fromkeys(spec.kind for spec in specs))
    paragraphs = [f"{kind}: {_MODELS[kind]}" for kind in kinds]
    paragraphs.append(
        f"Every model adjusts for the stratification factors ({', '.join(plan.covariates)}) as "
        "main effects (Kahan & Morris 2012)"
        + (
            "; questionnaire models also for the baseline score."
            if plan.baseline_covariate
            else "."
        )
    )
    context = [name for name in plan.covariates if "." in name]
    if context:
        paragraphs.append(
            f"Baseline context covariates ({', '.join(context)}) enter as categorical main "
            "effects; 'prefer not to say' and no answer are categories of their own (the "
            "missing-indicator method, White & Thompson 2005)."
        )
    if design.grouped_arms:
        paragraphs.append(
            "Contrasts involving an arm with peer groups use cluster-robust (CR2) standard errors "
            "clustered by group; participants of that arm never placed in a group are clusters "
            "of one. " + _DEGREES_OF_FREEDOM[plan.degrees_of_freedom]
        )
    elif plan.degrees_of_freedom != "groups_minus_one":
        paragraphs.append(_DEGREES_OF_FREEDOM[plan.degrees_of_freedom])
    if plan.factorial:
        paragraphs.append(
            "Factorial analysis: main effects from a model with both factors and no interaction "
            "(each compares two halves of the sample), then the interaction from a model that "
            "adds it (Montgomery, Peters & Little 2003)."
        )
    return Section("Models", paragraphs)


def _multiplicity(plan: AnalysisPlan, design: Design) -> Section:
    if plan.factorial:
        family = f"the two main effects ({' and '.join(plan.factorial.factors)})"
    else:
        family = f"each intervention arm against {design.control} ({len(design.treatments)})"
    rule = {
        "dunnett": "Dunnett (the joint distribution of the contrasts' t statistics, from the "
        "model's covariance)",
        "bonferroni": "Bonferroni",
    }[plan.multiplicity]
    extra = ", ".join(f"{a} vs {b}" for a, b in plan.secondary_contrasts)
    return Section(
        "Contrasts and multiplicity",
        [
            f"Primary family: {family} on the primary outcome, family-wise error rate "
            f"{plan.alpha:g} controlled by {rule}, with simultaneous confidence intervals.",
            "Secondary family: every secondary outcome's contrasts"
            + (f", the secondary contrasts {extra}" if extra else "")
            + (", and the interaction" if plan.factorial and plan.factorial.interaction else "")
            + f"; p values adjusted by {plan.secondary_multiplicity.capitalize()}, intervals "
            "unadjusted.",
            "Everything else in the report (other waves, outcomes not named here, figures over "
            "time) is labelled exploratory.",
        ],
    )


def _missing(plan: AnalysisPlan, protocol: Protocol) -> Section:
    calls = protocol.follow_up_calls
    followed = (
        [
            f"Questionnaires: non-responders followed up (double sampling). A wave unanswered "
            f"{describe_duration(calls.after)} after its last reminder makes a non-responder; "
            f"{calls.share:.0%} of them, drawn at random (a logged draw from the allocation "
            "seed), are followed up by a person, who enters their answers (mode 'staff'). The "
            "difference in means weights those reached to stand for every non-responder of "
            "their arm (Hansen & Hurwitz 1946; variance as Cochran 1977, §13.2), beside the "
            "complete cases' unweighted difference."
        ]
        if calls is not None
        else []
    )
    return Section(
        "Missing data and sensitivity analyses",
        [
            "Questionnaire completion is reported by arm and wave, and in the CONSORT flow.",
            *(
                [
                    "Counts (while on treatment, see the intercurrent events): a sensitivity "
                    "analysis ends exposure at withdrawal, loss (bot blocked) or erasure instead "
                    "of counting no events after it."
                ]
                if plan.strategy("stopped_participating", "sensitivity")
                else []
            ),
            "Questionnaires: the ANCOVA after multiple imputation under missing at random that "
            "respects the design: each arm imputed separately (Bayesian linear regression on "
            "the other score, the stratification factors and, in arms with peer groups, the "
            "group), each of the imputed data sets analysed exactly as the primary ANCOVA (CR2, "
            "the same degrees of freedom), combined by Rubin's rules with Barnard–Rubin degrees "
            "of freedom (Barnard & Rubin 1999).",
            *followed,
            f"Primary outcome ({plan.primary}): Lee bounds, trimming the arm that kept more "
            "participants observed, with a 95% confidence interval for the effect they bracket "
            "(Imbens & Manski 2004; each bound's standard error from a bootstrap resampling peer "
            "groups whole).",
        ],
    )


def _sample_size(protocol: Protocol, plan: AnalysisPlan, design: Design) -> Section:
    size = (protocol.groups.min_size + protocol.groups.max_size) // 2
    # The primary family: each arm vs control, or the factorial's two main effects (halves).
    family = 2 if plan.factorial else len(design.treatments)
    unit = "half of the sample" if plan.factorial else "arm"
    primary = primary_assumptions(protocol, plan)
    d = abs(primary.standardized)
    result = participants_per_arm(d, plan.alpha, plan.power, family + 1, plan.icc, size)
    plain = participants_per_arm(d, plan.alpha, plan.power, family + 1)
    if plan.pilot:
        return Section(
            "Sample size",
            [
                f"This is a pilot ({plan.pilot_reason}): it is not powered for its primary "
                "contrasts, and its estimates are reported as feasibility figures.",
                f"Planned participants: {primary.who(plan.participants)}.",
            ],
        )
    effect = primary.text if primary.problem is None else f"not simulated ({primary.problem})"
    paragraphs = [
        f"Planned participants: {primary.who(plan.participants)}, for power {plan.power:g} at "
        f"two-sided alpha {plan.alpha:g} in every primary contrast: {plan.primary} "
        f"({primary.kind}), {effect}, in every intervention arm; ICC {plan.icc:g} in the "
        f"peer groups of {protocol.groups.min_size}–{protocol.groups.max_size}.",
        "The power is that of this plan's own analysis, simulated by `lotgenoot power "
        "--protocol FILE` (the outcome's own type, a partially nested design with unequal "
        "groups and 5% never placed, the degrees of freedom and multiplicity rule above); "
        "`--find-n` searches the participants that reach it.",
        f"For orientation, a closed form (two-sided t-test at d = {d:.2f}, alpha split over "
        f"the {family} primary comparison(s), ignoring the small-sample degrees of freedom): "
        f"{plain.per_arm} per {unit} of the analysis without clustering; with peer groups of "
        f"about {size}, the clustered {unit} needs {result.per_arm} (design effect "
        f"{result.design_effect:.2f}, applied to the clustered participants only).",
    ]
    return Section("Sample size", paragraphs)


def render_markdown(protocol: Protocol, sha256: str, when: datetime) -> str:
    """The plan as Markdown."""
    lines = [
        f"# Statistical analysis plan: {protocol.study.name}",
        "",
        f"Protocol version {protocol.study.version}; protocol file SHA-256 `{sha256}`; "
        f"generated {when:%Y-%m-%d %H:%M UTC} by `lotgenoot study register`.",
    ]
    for number, section in enumerate(plan_sections(protocol), start=1):
        lines += ["", f"## {number}. {section.title}", ""]
        for paragraph in section.paragraphs:
            lines += [paragraph, ""]
        if section.rows:
            lines.append("| " + " | ".join(section.header) + " |")
            lines.append("|" + "---|" * len(section.header))
            for row in section.rows:
                lines.append("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |")
    return "\n".join(lines).rstrip() + "\n"


def render_html(protocol: Protocol, sha256: str, when: datetime) -> str:
    """The plan as an HTML page (Jinja2, autoescaped)."""
    from experiments.outputs.report import environment

    template = environment().get_template("sap.html.j2")
    return template.render(
        title=f"Statistical analysis plan: {protocol.study.name}",
        version=protocol.study.version,
        sha256=sha256,
        when=f"{when:%Y-%m-%d %H:%M UTC}",
        sections=plan_sections(protocol),
    )
