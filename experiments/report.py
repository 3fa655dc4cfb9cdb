"""The HTML trial report, from Jinja2 templates: primary headline, flow, plan, figures.

Every number is computed in `experiments.prespecified` and `experiments.descriptives`; this
module formats them, draws the figures (the same colour per arm in each) and renders
`report_templates/report.html.j2` with autoescaping on.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullFormatter

from experiments import analysis as an
from experiments import prespecified as ps
from experiments.data_date import as_of_flag, data_date_text
from experiments.descriptives import _outcome_events
from experiments.micro_report import micro_context
from experiments.power import achieved_power
from experiments.protocol import Protocol
from experiments.registration import Registration, registration_status

__all__ = ["ARM_COLOURS", "ESTIMATES_FILE", "arm_colours", "estimates_table", "write_report"]

ARM_COLOURS = ("#1f77b4", "#d95f02", "#7570b3", "#1b9e77", "#e7298a", "#66a61e")
_CONTROL_COLOUR = "#555555"
_TEMPLATES = Path(__file__).with_name("report_templates")
ESTIMATES_FILE = "estimates.csv"  # beside report.html: every result, estimated or not
_RATIO_TICKS = (0.1, 0.2, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 10.0)
_WIDE_RATIO_TICKS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
_POWER_GRID = tuple(float(d) for d in np.round(np.arange(0.1, 1.21, 0.05), 2))


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


def environment() -> Environment:
    """The Jinja2 environment for reports and analysis plans (autoescaping on)."""
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
    analysis = ps.analyse(tables, protocol, as_of)
    flow = an.flow(tables, design)
    _save(_consort_figure(flow, analysis, colours), out / "consort.png")
    _save(_outcomes_figure(tables, analysis.people, design, as_of, colours), out / "outcomes.png")
    _save(_estimates_figure(analysis, design, colours), out / "estimates.png")
    _save(_power_figure(protocol, design, colours), out / "power.png")
    page = (
        environment()
        .get_template("report.html.j2")
        .render(
            _context(tables, protocol, design, analysis, flow, as_of, colours, registration)
            | {"micro": micro_context(tables, protocol, micro_truth)}
        )
    )
    path = out / "report.html"
    path.write_text(page, encoding="utf-8")
    estimates_table(analysis, as_of).to_csv(out / ESTIMATES_FILE, index=False)
    return path


def estimates_table(analysis: ps.TrialAnalysis, as_of: datetime) -> pd.DataFrame:
    """Every result of the analysis as one row, for reading by program: `status` says whether
    it was estimated, `reason` why not."""
    rows = [
        {
            "data_date": data_date_text(as_of),
            "family": r.family,
            "outcome": r.outcome.name,
            "measure": r.measure,
            "contrast": r.contrast,
            "analysis": r.analysis,
            "prespecified": r.prespecified,
            "n_first": r.n[0],
            "n_second": r.n[1],
            "observed_first": r.summary[0],
            "observed_second": r.summary[1],
            "status": "not estimable" if r.not_estimable else "estimated",
            "estimate": r.estimate,
            "low": r.low,
            "high": r.high,
            "p_value": r.p_value,
            "p_adjusted": r.p_adjusted,
            "adjustment": r.adjustment,
            "df": r.df,
            "groups": r.groups,
            "note": r.note,
            "reason": r.not_estimable.reason if r.not_estimable else "",
        }
        for r in analysis.results
    ]
    table = pd.DataFrame(rows, columns=_ESTIMATE_COLUMNS)
    return table.astype({"df": "Int64", "groups": "Int64"})


_ESTIMATE_COLUMNS = [
    "data_date", "family", "outcome", "measure", "contrast", "analysis", "prespecified",
    "n_first", "n_second", "observed_first", "observed_second", "status", "estimate", "low",
    "high", "p_value", "p_adjusted", "adjustment", "df", "groups", "note", "reason",
]  # fmt: skip


def _context(
    tables: Mapping[str, pd.DataFrame],
    protocol: Protocol,
    design: an.Design,
    analysis: ps.TrialAnalysis,
    flow: an.Flow,
    as_of: datetime,
    colours: Mapping[str, str],
    registration: Registration | None,
) -> dict[str, Any]:
    plan = analysis.plan
    ratio = an.sample_ratio(tables, design)
    baseline = an.baseline_table(tables, design)
    results = analysis.results
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
        "primary": _primary(analysis),
        "flow_note": (
            f"Declined consent: {flow.refused}. Enrolled (consented): {flow.enrolled}. Not "
            f"allocated: {_reasons(flow)}. Reached = received at least one message."
        ),
        "flow_header": [
            "arm",
            "allocated",
            "reached",
            "withdrew",
            "unreachable",
            "erased",
            "analysed",
            "peer groups",
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
            "family, intervals unadjusted. " + _models_note(plan.alpha)
        ),
        "secondary": [_row(r) for r in results if r.family == "secondary"],
        "wave_pending": _wave_pending(analysis),
        "sensitivity": [_row(r) for r in results if r.family == "sensitivity"],
        "exploratory": [_row(r) for r in results if r.family == "exploratory"],
        "lee_header": ["comparison", "observed (arm / control)", "scale", "lower", "upper"],
        "lee_rows": [
            [
                b.contrast,
                f"{b.observed[0]:.0%} / {b.observed[1]:.0%}",
                b.scale,
                *(
                    (_number(b.low), _number(b.high))
                    if b.not_estimable is None
                    else ("not estimable", b.not_estimable.reason)
                ),
            ]
            for b in analysis.lee
        ],
        "lee_note": (
            f"{analysis.lee[0].outcome.label if analysis.lee else 'The primary outcome'}: the "
            "arm that kept more participants observed is trimmed by the excess share, from the "
            "top (lower bound) or the bottom (upper bound) (Lee 2009). Observed: still reachable "
            "at the end of the window (event outcomes) or a follow-up score (questionnaires)."
        ),
        "icc_rows": [
            [
                i.outcome.label,
                i.arm,
                i.groups,
                i.members,
                _number(i.icc, 3),
                f"{_number(i.low, 3)} to {_number(i.high, 3)}"
                if i.icc is not None
                else "not estimable (fewer than 2 groups with 2 or more members)",
            ]
            for i in analysis.iccs
        ],
        "power_note": _power_note(protocol, design),
    }


def _primary(analysis: ps.TrialAnalysis) -> dict[str, Any]:
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
        "rows": [_row(r) for r in rows],
        "notes": "; ".join(notes),
    }


def _observed_label(spec: Any) -> str:
    return {
        "count": "rate per week (arm / comparator)",
        "money": "mean (arm / comparator)",
        "binary": "share (arm / comparator)",
        "questionnaire": "mean follow-up score (arm / comparator)",
    }[spec.kind]


def _row(r: ps.Result) -> dict[str, Any]:
    digits = 3 if r.outcome.kind == "count" else 2
    observed = " / ".join(_number(v, digits) for v in r.summary)
    if r.outcome.kind == "binary":
        observed = " / ".join("–" if v is None else f"{v:.0%}" for v in r.summary)
    missing = r.not_estimable
    ci = f"{_number(r.low)} to {_number(r.high)}" if missing is None else missing.reason
    groups = "" if r.groups is None else f"{r.groups} ({r.df if r.df is not None else '–'})"
    return {
        "outcome": r.outcome.label,
        "contrast": r.contrast,
        "analysis": r.analysis + (f" ({r.note})" if r.note else ""),
        "n": f"{r.n[0]} / {r.n[1]}",
        "observed": observed,
        "measure": r.measure,
        "estimate": "not estimable" if missing else _number(r.estimate),
        "ci": ci,
        "ci_is_note": missing is not None,
        "p": _p(r.p_value),
        "p_adjusted": _p(r.p_adjusted)
        + (f" ({r.adjustment})" if r.adjustment and r.p_adjusted is not None else ""),
        "groups": groups,
        "prespecified": r.prespecified,
    }


def _models_note(alpha: float) -> str:
    return (
        "Counts: rate ratios (Poisson, log exposure offset, robust errors). Money: difference in "
        "means (OLS). Placement: risk ratio (modified Poisson, Zou 2004). Questionnaires: "
        "ANCOVA on the baseline score (complete cases). All adjusted for the stratification "
        "factors; robust errors CR2 (HC2 outside groups). Contrasts involving an arm with "
        "peer groups: errors clustered by group, "
        f"{1 - alpha:.0%} CI from t with G − 1 df, G = formed groups."
    )


def _wave_pending(analysis: ps.TrialAnalysis) -> str:
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


def _waves(analysis: ps.TrialAnalysis) -> list[int]:
    return sorted({c.wave for c in analysis.completion})


def _completion_rows(analysis: ps.TrialAnalysis, design: an.Design) -> list[list[str]]:
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


def _number(value: float | None, digits: int = 2) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    return "–" if value is None else "< 0.001" if value < 0.001 else f"{value:.3f}"


def _group_text(groups: an.GroupFlow | None) -> str:
    if groups is None:
        return ""
    states = ", ".join(f"{status} {n}" for status, n in sorted(groups.by_status.items()))
    joined = f", joined {groups.joined}" if groups.joined is not None else ""
    if groups.never_joined is not None:
        joined += f", never joined {groups.never_joined}"
    listed = f" ({states})" if states else ""
    return f"groups: {groups.groups}{listed}; in a group: {groups.assigned}{joined}" + _placing(
        groups
    )


def _placing(groups: an.GroupFlow) -> str:
    """Never placed (of whom not placeable) and the median days to a group."""
    if groups.never_placed is None:
        return ""
    said = f"; never placed {groups.never_placed} (not placeable {groups.not_placeable or 0})"
    if groups.days_to_group is not None:
        said += f"; median days to a group {groups.days_to_group:.1f}"
    return said


def _save(figure: Figure, path: Path) -> None:
    FigureCanvasAgg(figure)
    figure.savefig(path, dpi=110, bbox_inches="tight")


def _box(ax: Axes, x: float, y: float, text: str, colour: str = "#333") -> None:
    style = {"boxstyle": "square,pad=0.4", "fc": "white", "ec": colour, "lw": 1.2}
    ax.text(x, y, text, ha="center", va="center", fontsize=7.5, bbox=style)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->", "color": "#333"})


def _stage(ax: Axes, y: float, text: str) -> None:
    style = {"boxstyle": "round,pad=0.3", "fc": "#dbeafe", "ec": "#1e3a8a"}
    ax.text(0.0, y, text, ha="left", va="center", fontsize=8, fontweight="bold", bbox=style)


def _consort_figure(
    flow: an.Flow, analysis: ps.TrialAnalysis, colours: Mapping[str, str]
) -> Figure:
    """The CONSORT 2010 layout: enrollment, allocation, follow-up, analysis; peer cluster flow."""
    arms = flow.arms
    figure = Figure(figsize=(max(8.0, 2.9 * len(arms)), 9.5))
    ax = figure.add_subplot()
    ax.set_axis_off()
    ax.set_xlim(-0.02, 1)
    ax.set_ylim(0, 1)
    pending = sum(flow.not_allocated.values())
    reasons = "".join(f"\n  {k}: {v}" for k, v in flow.not_allocated.items())
    _stage(ax, 0.95, "Enrollment")
    _box(
        ax,
        0.5,
        0.95,
        f"Assessed (answered the consent question)\nn = {flow.enrolled + flow.refused}",
    )
    _box(
        ax,
        0.84,
        0.86,
        f"Excluded n = {flow.refused + pending}\n  declined consent: {flow.refused}"
        f"\n  not allocated: {pending}{reasons}",
    )
    _box(ax, 0.5, 0.78, f"Randomized\nn = {sum(a.allocated for a in arms)}")
    _arrow(ax, (0.5, 0.925), (0.5, 0.805))
    _arrow(ax, (0.5, 0.86), (0.70, 0.86))
    _stage(ax, 0.70, "Allocation")
    _stage(ax, 0.44, "Follow-up")
    _stage(ax, 0.14, "Analysis")
    completion = {(c.arm, c.wave): c for c in analysis.completion}
    waves = sorted({c.wave for c in analysis.completion})
    people = analysis.people
    for index, arm in enumerate(arms):
        x = 0.18 + (index + 0.5) * 0.82 / len(arms)
        colour = colours.get(arm.arm, "#333")
        _arrow(ax, (0.5, 0.755), (x, 0.665))
        lines = [
            f"Allocated to {arm.arm}\nn = {arm.allocated}",
            f"received a message: {arm.reached}",
        ]
        if arm.groups is not None:
            sizes = (
                people[(people["arm"] == arm.arm) & people["group"].notna()].groupby("group").size()
            )
            spread = f", size {sizes.min()}–{sizes.max()}" if len(sizes) else ""
            lines.append(f"groups formed: {arm.groups.groups}{spread}")
            lines.append(
                f"in a group: {arm.groups.assigned}; never placed: "
                f"{arm.allocated - arm.groups.assigned} "
                f"(not placeable: {arm.groups.not_placeable or 0})"
            )
            if arm.groups.days_to_group is not None:
                lines.append(f"median days to a group: {arm.groups.days_to_group:.1f}")
            if arm.groups.never_joined is not None:
                lines.append(
                    f"joined: {arm.groups.joined}; never joined: {arm.groups.never_joined}"
                )
        _box(ax, x, 0.59, "\n".join(lines), colour)
        lost = [
            f"Lost to follow-up: {arm.withdrawn + arm.unreachable + arm.erased}",
            f"  withdrew {arm.withdrawn}, unreachable {arm.unreachable}",
            f"  erased {arm.erased}",
        ]
        for wave in waves:
            c = completion.get((arm.arm, wave))
            if c is not None:
                lost.append(f"Questionnaire {wave}: {c.completed}/{c.due}")
        _box(ax, x, 0.38, "\n".join(lost), colour)
        analysed = [f"Analysed (ITT)\nn = {arm.analysed}"]
        planned = analysis.wave
        c = completion.get((arm.arm, planned)) if planned else None
        if c is not None:
            analysed.append(f"questionnaire ANCOVA: {c.completed}")
        if arm.groups is not None:
            analysed.append("clustered by group")
        _box(ax, x, 0.14, "\n".join(analysed), colour)
        _arrow(ax, (x, 0.51), (x, 0.45))
        _arrow(ax, (x, 0.31), (x, 0.19))
    return figure


def _weekly(
    tables: Mapping[str, pd.DataFrame], people: pd.DataFrame, design: an.Design, as_of: datetime
) -> pd.DataFrame:
    """Per arm, outcome and complete week: mean, standard error and participants at risk."""
    frame = people[["pseudonym", "arm", "track", "allocated_at"]].copy()
    frame["weeks"] = ((pd.Timestamp(as_of) - frame["allocated_at"]) / pd.Timedelta(days=7)).astype(
        "float64"
    )
    events = _outcome_events(tables["events"], frame, as_of)
    sums = events.groupby(["pseudonym", "week"])[["deposits", "saved_eur", "applications"]].sum()
    rows = []
    for outcome in an.OUTCOMES:
        eligible = frame[frame["track"] == outcome.track]
        for arm in design.arms:
            mine = eligible[eligible["arm"] == arm]
            seen = mine["weeks"].astype(int)
            for week in range(int(seen.max()) if len(seen) else 0):
                at_risk = mine[seen > week]["pseudonym"]
                if len(at_risk) < 5:
                    continue
                index = pd.MultiIndex.from_arrays([at_risk, [week] * len(at_risk)])
                values = sums[outcome.name].reindex(index).fillna(0).to_numpy(float)
                se = float(values.std(ddof=1) / math.sqrt(len(values)))
                rows.append((outcome.name, arm, week + 1, len(values), float(values.mean()), se))
    return pd.DataFrame(rows, columns=["outcome", "arm", "week", "participants", "mean", "se"])


def _outcomes_figure(
    tables: Mapping[str, pd.DataFrame],
    people: pd.DataFrame,
    design: an.Design,
    as_of: datetime,
    colours: Mapping[str, str],
) -> Figure:
    weekly = _weekly(tables, people, design, as_of)
    figure = Figure(figsize=(8.5, 10))
    for index, outcome in enumerate(an.OUTCOMES):
        ax = figure.add_subplot(len(an.OUTCOMES), 1, index + 1)
        data = weekly[weekly["outcome"] == outcome.name]
        for arm in design.arms:
            line = data[data["arm"] == arm]
            if line.empty:
                continue
            colour = colours[arm]
            ax.plot(line["week"], line["mean"], marker="o", markersize=3, label=arm, color=colour)
            ax.fill_between(
                line["week"],
                line["mean"] - 1.96 * line["se"],
                line["mean"] + 1.96 * line["se"],
                color=colour,
                alpha=0.15,
            )
        if data.empty:
            ax.text(0.5, 0.5, "no complete weeks yet", ha="center", transform=ax.transAxes)
        else:
            ax.legend(fontsize=7, loc="upper right")
            _at_risk(ax, data, design, colours)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(f"{outcome.label}\nper participant-week", fontsize=8)
        ax.set_xlabel("week since allocation", fontsize=8)
    figure.tight_layout(h_pad=2.5)
    return figure


def _at_risk(ax: Axes, data: pd.DataFrame, design: an.Design, colours: Mapping[str, str]) -> None:
    weeks = sorted(data["week"].unique())
    shown = [w for w in weeks if w == weeks[0] or w % 4 == 0 or w == weeks[-1]]
    ax.text(-0.01, -0.24, "at risk", transform=ax.transAxes, fontsize=6.5, ha="right", va="top")
    for row, arm in enumerate(design.arms):
        line = data[data["arm"] == arm].set_index("week")["participants"]
        for week in shown:
            if week in line.index:
                ax.text(
                    week,
                    -0.24 - 0.08 * row,
                    str(int(line[week])),
                    fontsize=6.5,
                    ha="center",
                    color=colours[arm],
                    transform=ax.get_xaxis_transform(),
                    va="top",
                )


def _estimates_figure(
    analysis: ps.TrialAnalysis, design: an.Design, colours: Mapping[str, str]
) -> Figure:
    rows = [r for r in analysis.results if r.family in ("primary", "secondary")]
    # Outcomes with no estimate at all are left out (the tables say why), except the primary.
    shown = {r.outcome.name for r in rows if r.estimate is not None or r.family == "primary"}
    rows = [r for r in rows if r.outcome.name in shown]
    outcomes = list(dict.fromkeys(r.outcome.name for r in rows))
    figure = Figure(figsize=(8.5, 0.6 + 1.45 * max(1, len(outcomes))))
    for index, name in enumerate(outcomes):
        ax = figure.add_subplot(max(1, len(outcomes)), 1, index + 1)
        mine = [r for r in rows if r.outcome.name == name]
        spec = mine[0].outcome
        ax.axvline(1.0 if spec.ratio else 0.0, color="#999", linestyle="--")
        for position, r in enumerate(mine):
            arm = r.contrast.split(" vs ")[0].removeprefix("main effect of ")
            colour = colours.get(arm, "#333")
            if r.estimate is None or r.low is None or r.high is None:
                ax.text(
                    0.02,
                    position,
                    "not estimable",
                    fontsize=7,
                    va="center",
                    transform=ax.get_yaxis_transform(),
                )
                continue
            ax.errorbar(
                [r.estimate],
                [position],
                xerr=[[r.estimate - r.low], [r.high - r.estimate]],
                fmt="o",
                capsize=3,
                color=colour,
            )
            ax.annotate(
                f"{r.estimate:.2f} ({r.low:.2f} to {r.high:.2f})",
                (r.high, position),
                xytext=(6, 0),
                textcoords="offset points",
                fontsize=7,
                va="center",
            )
        ax.margins(x=0.25)
        if spec.ratio:
            ax.set_xscale("log")
            low, high = ax.get_xlim()
            candidates = _RATIO_TICKS if high / low < 8 else _WIDE_RATIO_TICKS
            ticks = [t for t in candidates if low <= t <= high] or [1.0]
            ax.xaxis.set_major_locator(FixedLocator(ticks))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
            ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_yticks(range(len(mine)), [r.contrast for r in mine], fontsize=7.5)
        ax.set_ylim(-0.7, len(mine) - 0.3)
        family = "primary" if mine[0].family == "primary" else "secondary"
        ax.set_title(f"{spec.label}: {spec.measure} ({family} outcome)", fontsize=9)
    figure.tight_layout()
    return figure


def _planned(protocol: Protocol, design: an.Design) -> tuple[dict[str, float], float, int]:
    plan = protocol.analysis
    participants = plan.participants if plan else 300
    weights = design.weights
    total = sum(weights.values())
    n = {arm: participants * w / total for arm, w in weights.items()}
    size = (protocol.groups.min_size + protocol.groups.max_size) / 2
    deff = 1 + (size - 1) * (plan.icc if plan else 0.05)
    comparisons = len(design.treatments)
    return n, deff, comparisons


def _power_note(protocol: Protocol, design: an.Design) -> str:
    plan = protocol.analysis
    n, deff, k = _planned(protocol, design)
    alpha = plan.alpha if plan else 0.05
    return (
        f"Closed-form power of each arm against {design.control} for the planned "
        f"{sum(n.values()):.0f} participants (the plan's sample), alpha {alpha:g} split over "
        f"{k} comparisons (Bonferroni; Dunnett is slightly less strict), the design effect "
        f"{deff:.2f} applied to arms with peer groups only. Not the power of the data at hand "
        "(post-hoc power says nothing the confidence intervals do not). For the design as run, "
        "with t(G − 1) and unequal groups, use `lotgenoot power --protocol FILE` (simulation)."
    )


def _power_figure(protocol: Protocol, design: an.Design, colours: Mapping[str, str]) -> Figure:
    plan = protocol.analysis
    n, deff, k = _planned(protocol, design)
    alpha = (plan.alpha if plan else 0.05) / max(1, k)
    figure = Figure(figsize=(7, 3.8))
    ax = figure.add_subplot()
    for arm in design.treatments:
        effective = n[arm] / (deff if arm in design.grouped_arms else 1.0)
        control = n[design.control]
        if effective < 2 or control < 2:
            continue
        powers = [
            achieved_power(effective, d, alpha, ratio=control / effective) for d in _POWER_GRID
        ]
        ax.plot(_POWER_GRID, powers, label=f"{arm} vs {design.control}", color=colours[arm])
    ax.axhline(0.8, color="#999", linestyle="--")
    ax.set_xlabel("standardized effect size d")
    ax.set_ylabel("power (planned sample)")
    ax.set_ylim(0, 1.02)
    if ax.lines[1:]:
        ax.legend(fontsize=7)
    return figure
