"""The HTML trial report, from Jinja2 templates: primary headline, flow, plan, figures.

Every number is computed in `experiments.analysis` (the pre-specified analysis and the
descriptives); this module formats them, draws the figures (the same colour per arm in each) and
renders `report_templates/report.html.j2` with autoescaping on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from experiments import analysis as an
from experiments.micro.report import micro_context
from experiments.outputs.data_date import as_of_flag, data_date_text
from experiments.outputs.estimates import ESTIMATES_FILE, estimates_table
from experiments.outputs.figures import (
    consort_figure,
    estimates_figure,
    outcomes_figure,
    power_figure,
    power_note,
    save_figure,
)
from experiments.outputs.report_dose import dose_context
from experiments.outputs.report_estimands import estimand_context
from experiments.outputs.report_lee import lee_context
from experiments.outputs.report_rows import number as _number
from experiments.outputs.report_rows import result_row, result_table
from experiments.outputs.report_summary import plain_summary
from experiments.protocol import Protocol, Registration, registration_status, wave_times

__all__ = ["ARM_COLOURS", "arm_colours", "environment", "write_report"]

ARM_COLOURS = ("#1f77b4", "#d95f02", "#7570b3", "#1b9e77", "#e7298a", "#66a61e")
_CONTROL_COLOUR = "#555555"
_TEMPLATES = Path(__file__).with_name("report_templates")


def arm_colours(design: an.Design) -> dict[str, str]:
    """One colour per arm, fixed by protocol order; control is grey."""
    colours, index = {}, 0
    for arm in design.arms:
        if arm == design.control:
            colours[arm] = _CONTROL_COLOUR
        else:
            colours[arm] = ARM_COLOURS[index % len(ARM_COLOURS)]
            index += 1
    return colours


@cache
def environment() -> Environment:
    """The Jinja2 environment for reports and analysis plans (autoescaping on); one for the
    process, because Jinja2 compiles a template once per environment and compiling the report's
    templates took longer than rendering them (it reloads a template whose file changed)."""
    env = Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["code"] = _code
    return env


def _code(text: str) -> Markup:
    """Escape the text, then show `backticked` words as code."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text))))


def write_report(
    tables: Mapping[str, pd.DataFrame],
    protocol: Protocol,
    out: Path,
    as_of: datetime,
    *,
    registration: Registration | None = None,
    micro_truth: Mapping[str, float] | None = None,
) -> Path:
    """Analyse the export tables as the protocol's plan says; write report.html and figures.

    `micro_truth` (a simulation's known excursion effects, by term) is shown beside the
    micro-randomized estimates."""
    out.mkdir(parents=True, exist_ok=True)
    design = an.Design.from_protocol(protocol)
    colours = arm_colours(design)
    analysis = an.analyse(tables, protocol, as_of)
    flow = an.flow(tables, design)
    save_figure(consort_figure(flow, analysis, colours), out / "consort.png")
    save_figure(
        outcomes_figure(tables, analysis.people, design, as_of, colours), out / "outcomes.png"
    )
    save_figure(estimates_figure(analysis, design, colours), out / "estimates.png")
    save_figure(power_figure(protocol, design, colours), out / "power.png")
    page = (
        environment()
        .get_template("report.html.j2")
        .render(
            _context(tables, protocol, design, analysis, flow, as_of, colours, registration)
            | {"micro": micro_context(tables, protocol, micro_truth)}
            | {"dose": dose_context(tables, protocol, design, analysis, as_of)}
        )
    )
    path = out / "report.html"
    path.write_text(page, encoding="utf-8")
    estimates_table(analysis, as_of).to_csv(out / ESTIMATES_FILE, index=False)
    return path


def _context(
    tables: Mapping[str, pd.DataFrame],
    protocol: Protocol,
    design: an.Design,
    analysis: an.TrialAnalysis,
    flow: an.Flow,
    as_of: datetime,
    colours: Mapping[str, str],
    registration: Registration | None,
) -> dict[str, Any]:
    plan = analysis.plan
    ratio = an.sample_ratio(tables, design)
    baseline = an.baseline_table(tables, design, an.protocol_context(protocol))
    results = analysis.results
    not_due = _not_due(analysis, protocol)
    return {
        "title": f"{protocol.study.name}: trial report",
        "study_name": protocol.study.name,
        "study_version": protocol.study.version,
        "as_of": data_date_text(as_of),
        "as_of_flag": as_of_flag(as_of),
        "analysed": len(analysis.people),
        "control": design.control,
        "control_reason": design.control_reason,
        "arms": [{"name": arm, "colour": colours[arm]} for arm in design.arms],
        "registration": registration_status(protocol, registration),
        "planned": analysis.registered_plan,
        "primary": _primary(analysis, not_due),
        "flow_note": (
            f"Declined consent: {flow.refused}. Enrolled (consented): {flow.enrolled}. Not "
            f"allocated: {_reasons(flow)}. Reached = received at least one message."
        ),
        "reach_header": [
            "site",
            "codes issued",
            "reusable links",
            "link opens",
            "consent shown",
            "consented",
            "declined",
            "allocated",
            "refused (took part before)",
        ],
        "reach_rows": [
            [site.site, *site.counts()]
            for site in flow.reach
            if any(site.counts())
            and (flow.codes_issued or any(s.reusable_links for s in flow.reach))
        ],
        "flow_header": [
            "arm",
            "allocated",
            "reached",
            "withdrew",
            "unreachable",
            "erased",
            "analysed",
            "peer groups of the arm (all tracks)",
        ],
        "flow_rows": [
            [
                a.arm,
                a.allocated,
                a.reached,
                a.withdrawn,
                a.unreachable,
                a.erased,
                a.analysed,
                _group_text(a.groups),
            ]
            for a in flow.arms
        ],
        "completion_header": ["arm", *(f"follow-up {w}" for w in _waves(analysis))],
        "completion_rows": _completion_rows(analysis, design),
        "ratio_rows": [
            [arm, n, _number(ratio.expected[arm], 1)] for arm, n in ratio.observed.items()
        ],
        "ratio": _ratio(ratio),
        "baseline_header": ["", *baseline.columns],
        "baseline_rows": [
            [i, *row] for i, row in zip(baseline.index, baseline.to_numpy().tolist(), strict=True)
        ],
        "secondary_note": (
            f"Each secondary outcome against {design.control}"
            + (
                ", and the secondary contrasts "
                + ", ".join(f"{a} vs {b}" for a, b in plan.secondary_contrasts)
                if plan.secondary_contrasts
                else ""
            )
            + f"; p values adjusted by {plan.secondary_multiplicity.capitalize()} over this "
            "family, intervals unadjusted. " + _models_note(plan.alpha, plan.degrees_of_freedom)
        ),
        "summary": plain_summary(protocol, analysis, flow, as_of),
        **{
            family: result_table((r for r in results if r.family == name), not_due)
            for family, name in _FAMILIES
        },
        "wave_pending": _wave_pending(analysis),
        "subgroup_notes": an.describe_subgroups(plan),
        **lee_context(analysis),
        **estimand_context(tables, protocol, analysis, as_of),
        **_icc(analysis),
        "power_note": power_note(protocol, design),
    }


_FAMILIES = (
    ("secondary", "secondary"),
    ("sensitivity", "sensitivity"),
    ("subgroups", "subgroup"),
    ("exploratory", "exploratory"),
)


def _not_due(analysis: an.TrialAnalysis, protocol: Protocol) -> dict[int, int]:
    """Questionnaire waves due for nobody yet, with the week after allocation they fall in."""
    times = wave_times(protocol.schedule)
    waves = {c.wave for c in analysis.completion}
    due = {c.wave for c in analysis.completion if c.due}
    return {w: times[w - 1].days // 7 for w in sorted(waves - due) if w <= len(times)}


def _primary(analysis: an.TrialAnalysis, not_due: dict[int, int]) -> dict[str, Any]:
    plan, rows = analysis.plan, analysis.primary
    spec = rows[0].outcome if rows else None
    label = spec.label if spec else plan.primary
    observed = _observed_label(spec) if spec else "observed"
    notes = sorted({r.note for r in rows if r.note})
    kind = spec.kind if spec else "count"
    description = {
        "count": "Events per participant over the follow-up window, as a rate per week of "
        "exposure; rate ratios from a Poisson GLM with log exposure as offset and robust errors",
        "money": "Difference in means (OLS, robust errors)",
        "binary": "Risk ratio from modified Poisson regression (robust errors)",
        "questionnaire": "ANCOVA of the follow-up score on arm, baseline score and strata",
    }[kind]
    return {
        "label": label,
        "description": (
            f"{plan.estimand}: everyone allocated, analysed in their allocated arm. "
            f"{description}, adjusted for {', '.join(plan.covariates)}. "
            f"Family of {len(rows)} contrasts: {plan.multiplicity.capitalize()}-adjusted p "
            f"values and simultaneous {1 - plan.alpha:.0%} intervals."
        ),
        "observed": observed,
        "measure": spec.measure if spec else "estimate",
        "level": f"{1 - plan.alpha:.0%}",
        "rule": plan.multiplicity.capitalize(),
        "rows": [result_row(r) for r in rows if r.not_estimable is None],
        "missing": result_table(rows, not_due)["missing"],
        "notes": "; ".join(notes),
    }


def _observed_label(spec: Any) -> str:
    return {
        "count": "rate per week (arm / comparator)",
        "money": "mean (arm / comparator)",
        "binary": "share (arm / comparator)",
        "questionnaire": "mean follow-up score (arm / comparator)",
    }[spec.kind]


def _icc(analysis: an.TrialAnalysis) -> dict[str, Any]:
    """ICC rows with a value; the outcomes without one named in one line."""
    rows = [
        [
            i.outcome.label,
            i.arm,
            i.groups,
            i.members,
            _number(i.icc, 3),
            f"{_number(i.low, 3)} to {_number(i.high, 3)}",
        ]
        for i in analysis.iccs
        if i.icc is not None
    ]
    missing = sorted({i.outcome.label for i in analysis.iccs if i.icc is None})
    return {
        "icc_rows": rows,
        "icc_missing": (
            "Not estimable (fewer than 2 peer groups with 2 or more members among the people "
            f"with this outcome): {', '.join(missing)}."
            if missing
            else ""
        ),
    }


def _models_note(alpha: float, rule: str = "groups_minus_one") -> str:
    df = {
        "groups_minus_one": "t with G − 1 df, G = formed groups",
        "satterthwaite": "t with Bell–McCaffrey (Satterthwaite) df, as every contrast",
        "imbens_kolesar": "t with Imbens–Kolesár df, as every contrast",
    }[rule]
    return (
        "Counts: rate ratios (Poisson, log exposure offset, robust errors). Money: difference in "
        "means (OLS). Placement: risk ratio (modified Poisson, Zou 2004). Questionnaires: "
        "ANCOVA on the baseline score (complete cases). All adjusted for the stratification "
        "factors; robust errors CR2 (HC2 outside groups). Contrasts involving an arm with "
        f"peer groups: errors clustered by group, {1 - alpha:.0%} CI from {df}."
    )


def _wave_pending(analysis: an.TrialAnalysis) -> str:
    """A note when the plan's questionnaire wave is not due for anyone yet (an interim look)."""
    wave = analysis.wave
    planned = [c for c in analysis.completion if c.wave == wave]
    if wave is None or not planned or any(c.due for c in planned):
        return ""
    earlier = [w for w in _waves(analysis) if w < wave]
    shown = (
        f" The ANCOVA at follow-up {earlier[-1]} is under exploratory analyses." if earlier else ""
    )
    return (
        f"Interim look: the pre-specified questionnaire wave (follow-up {wave}) is not due for "
        f"anyone yet, so the questionnaire outcomes have no estimate.{shown}"
    )


def _waves(analysis: an.TrialAnalysis) -> list[int]:
    return sorted({c.wave for c in analysis.completion})


def _completion_rows(analysis: an.TrialAnalysis, design: an.Design) -> list[list[str]]:
    cells = {(c.arm, c.wave): c for c in analysis.completion}
    rows = []
    for arm in design.arms:
        row = [arm]
        for wave in _waves(analysis):
            c = cells[(arm, wave)]
            share = f" ({c.share:.0%})" if c.share is not None else ""
            row.append(f"{c.completed}/{c.due}{share}" if c.due else "not due yet")
        rows.append(row)
    return rows


def _ratio(ratio: an.SampleRatio) -> dict[str, str]:
    if ratio.p_value is None or ratio.chi2 is None:
        return {"state": "none", "note": ratio.note}
    state = "mismatch" if ratio.mismatch else "ok"
    p = f"{ratio.p_value:.2g}" if ratio.mismatch else f"{ratio.p_value:.3f}"
    return {"state": state, "chi2": f"{ratio.chi2:.2f}", "p": p, "threshold": str(an.SRM_THRESHOLD)}


def _reasons(flow: an.Flow) -> str:
    return ", ".join(f"{reason}: {n}" for reason, n in flow.not_allocated.items()) or "none"


def _group_text(groups: an.GroupFlow | None) -> str:
    if groups is None:
        return ""
    states = ", ".join(f"{status} {n}" for status, n in sorted(groups.by_status.items()))
    joined = f", joined {groups.joined}" if groups.joined is not None else ""
    if groups.never_joined is not None:
        joined += f", never joined {groups.never_joined}"
    listed = f" ({states})" if states else ""
    return (
        f"groups: {groups.groups}{listed}; people in a group: {groups.assigned}{joined}"
        + _placing(groups)
    )


def _placing(groups: an.GroupFlow) -> str:
    """Never placed (of whom not placeable) and the median days to a group."""
    if groups.never_placed is None:
        return ""
    said = f"; never placed {groups.never_placed} (not placeable {groups.not_placeable or 0})"
    if groups.days_to_group is not None:
        said += f"; median days to a group {groups.days_to_group:.1f}"
    return said
