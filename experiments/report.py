"""The HTML trial report with PNG figures: flow, balance, sample ratio, outcomes, ITT, power."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from experiments import analysis as an
from experiments.protocol import Protocol

__all__ = ["write_report"]

_STYLE = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#222}table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;
padding:.25rem .5rem;text-align:right}th:first-child,td:first-child{text-align:left}
.warning{background:#fde2e1;border:2px solid #c0392b;padding:.75rem}.note{color:#555}
img{max-width:100%}"""
_POWER_GRID = tuple(float(d) for d in np.round(np.arange(0.1, 1.01, 0.05), 2))


def write_report(
    tables: Mapping[str, pd.DataFrame], protocol: Protocol, out: Path, as_of: datetime
) -> Path:
    """Analyse the export tables and write report.html with its PNG figures into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    design = an.Design.from_protocol(protocol)
    people = an.per_participant(tables, design, as_of)
    estimates = an.itt_estimates(people, design)
    flow = an.flow(tables, design)
    powers = an.power_rows(people, design, estimates)
    _save(_consort_figure(flow), out / "consort.png")
    _save(
        _outcomes_figure(an.weekly_outcomes(tables, people, design, as_of), design),
        out / "outcomes.png",
    )
    _save(_estimates_figure(estimates, design), out / "estimates.png")
    _save(_power_figure(an.power_rows(people, design, estimates, _POWER_GRID)), out / "power.png")
    sections = [
        _intro(protocol, design, as_of, len(people)),
        _flow_section(flow),
        _ratio_section(an.sample_ratio(tables, design)),
        _section("Baseline characteristics by arm", _frame_table(an.baseline_table(tables, design)),
                 "Descriptives only: CONSORT advises against testing baseline differences."),
        _section("Outcomes by arm over time", '<img src="outcomes.png" alt="outcomes by week">',
                 "Mean per participant in each complete week since allocation."),
        _estimates_section(estimates, design),
        _power_section(powers),
    ]  # fmt: skip
    page = (
        f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        f"<title>{_e(protocol.study.name)}: trial report</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(sections)}</body></html>\n"
    )
    path = out / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def _e(value: object) -> str:
    return html.escape(str(value))


def _section(title: str, body: str, note: str = "") -> str:
    extra = f'<p class="note">{_e(note)}</p>' if note else ""
    return f"<section><h2>{_e(title)}</h2>{extra}{body}</section>"


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{_e(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _frame_table(frame: pd.DataFrame) -> str:
    rows = [
        [index, *row] for index, row in zip(frame.index, frame.to_numpy().tolist(), strict=True)
    ]
    return _table(["", *frame.columns], rows)


def _number(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    return "–" if value is None else "< 0.001" if value < 0.001 else f"{value:.3f}"


def _intro(protocol: Protocol, design: an.Design, as_of: datetime, analysed: int) -> str:
    study = protocol.study
    return (
        f"<h1>{_e(study.name)} (protocol {_e(study.version)}): trial report</h1>"
        f"<p>Data up to {_e(as_of.strftime('%Y-%m-%d %H:%M UTC'))}; {analysed} participants "
        f"analysed by intention to treat. Control arm: <b>{_e(design.control)}</b> "
        f"({_e(design.control_reason)}).</p>"
    )


def _flow_section(flow: an.Flow) -> str:
    rows = [
        [a.arm, a.allocated, a.reached, a.withdrawn, a.unreachable, a.erased, a.analysed, g]
        for a, g in zip(flow.arms, (_group_text(a.groups) for a in flow.arms), strict=True)
    ]
    header = ["arm", "allocated", "reached", "withdrew", "unreachable", "erased", "analysed"]
    waiting = ", ".join(f"{reason}: {n}" for reason, n in flow.not_allocated.items()) or "none"
    note = (
        f"Declined consent: {flow.refused}. Enrolled (consented): {flow.enrolled}. Not allocated: "
        f"{waiting}. Reached = received at least one message."
    )
    body = '<img src="consort.png" alt="CONSORT flow">'
    return _section(
        "Participant flow (CONSORT)", body + _table([*header, "peer groups"], rows), note
    )


def _ratio_section(ratio: an.SampleRatio) -> str:
    rows = [[arm, n, _number(ratio.expected[arm], 1)] for arm, n in ratio.observed.items()]
    table = _table(["arm", "allocated", "expected from the weights"], rows)
    if ratio.p_value is None:
        verdict = f'<p class="note">No test: {_e(ratio.note)}.</p>'
    elif ratio.mismatch:
        verdict = (
            f'<p class="warning"><b>Sample ratio mismatch</b>: χ² = {ratio.chi2:.2f}, '
            f"p = {ratio.p_value:.2g} &lt; {an.SRM_THRESHOLD}. Arm counts differ from the "
            "protocol's weights more than chance allows: check allocation and data loss.</p>"
        )
    else:
        verdict = f"<p>χ² = {ratio.chi2:.2f}, p = {ratio.p_value:.3f}: no sign of a mismatch.</p>"
    return _section("Sample ratio check", table + verdict)


def _estimates_section(estimates: Sequence[an.Estimate], design: an.Design) -> str:
    rows = []
    for e in estimates:
        ci = f"{_number(e.low)} to {_number(e.high)}" if e.estimate is not None else e.note
        rows.append([
            e.outcome.label, f"{e.arm} vs {e.control}", f"{e.n_arm} / {e.n_control}",
            f"{_number(e.mean_arm)} / {_number(e.mean_control)}", e.measure,
            _number(e.estimate), ci, _p(e.p_value),
            e.clusters if e.clusters is not None else "", _number(e.icc, 3),
        ])  # fmt: skip
    header = ["outcome", "comparison", "n", "mean", "measure", "estimate", "95% CI", "p"]
    note = (
        "Everyone allocated, in the arm they were allocated to, from allocation to the data "
        "date; deposits and saving among savers, applications among jobseekers. Counts: "
        "Poisson GLM with log weeks of follow-up as offset and robust (HC1) standard errors, as "
        "rate ratios. Total saved: OLS difference in means, robust standard errors. Arms with "
        "peer groups: standard errors clustered by group (people not yet in a group count as "
        "groups of one), 95% CI from t with (the arm's clusters − 1) degrees of freedom; ICC: "
        "one-way ANOVA ICC(1) of the per-week outcome among group members."
    )
    body = _table([*header, "groups", "ICC"], rows) + '<img src="estimates.png" alt="estimates">'
    return _section(f"Intention-to-treat estimates against {design.control}", body, note)


def _power_section(rows: Sequence[an.PowerRow]) -> str:
    table = _table(
        ["arm vs control", "track", "n", "design effect", *(f"d = {d}" for d in an.EFFECT_SIZES)],
        [
            [r.arm, r.track, f"{r.n_arm} / {r.n_control}", _number(r.design_effect)]
            + [_number(p) if p is not None else "too few" for p in r.powers]
            for r in rows
        ],
    )
    note = (
        "Power of a two-sided t-test at alpha .05 per comparison with the current sample, for "
        "standardized effect sizes d; peer arms are deflated by the design effect 1 + (m − 1)·ICC."
    )
    return _section("Achieved power", table + '<img src="power.png" alt="power curves">', note)


def _save(figure: Figure, path: Path) -> None:
    FigureCanvasAgg(figure)
    figure.savefig(path, dpi=110, bbox_inches="tight")


def _box(ax: Axes, x: float, y: float, text: str) -> None:
    style = {"boxstyle": "round,pad=0.4", "fc": "white", "ec": "#333"}
    ax.text(x, y, text, ha="center", va="center", fontsize=8, bbox=style)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->", "color": "#333"})


def _group_text(groups: an.GroupFlow | None) -> str:
    if groups is None:
        return ""
    states = ", ".join(f"{status} {n}" for status, n in sorted(groups.by_status.items()))
    joined = f", joined {groups.joined}" if groups.joined is not None else ""
    listed = f" ({states})" if states else ""
    return f"groups: {groups.groups}{listed}; in a group: {groups.assigned}{joined}"


def _consort_figure(flow: an.Flow) -> Figure:
    arms = flow.arms
    figure = Figure(figsize=(max(7.0, 2.6 * len(arms)), 8))
    ax = figure.add_subplot()
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    pending = sum(flow.not_allocated.values())
    reasons = "\n".join(f"{k}: {v}" for k, v in flow.not_allocated.items())
    _box(ax, 0.5, 0.95, f"Answered the consent question\nn = {flow.enrolled + flow.refused}")
    _box(ax, 0.85, 0.87, f"Declined consent\nn = {flow.refused}")
    _box(ax, 0.5, 0.79, f"Enrolled (consented)\nn = {flow.enrolled}")
    _box(ax, 0.85, 0.70, f"Not allocated\nn = {pending}" + (f"\n{reasons}" if reasons else ""))
    _box(ax, 0.5, 0.62, f"Allocated\nn = {sum(a.allocated for a in arms)}")
    for start, end in (((0.5, 0.92), (0.5, 0.82)), ((0.5, 0.76), (0.5, 0.65))):
        _arrow(ax, start, end)
    _arrow(ax, (0.5, 0.87), (0.73, 0.87))
    _arrow(ax, (0.5, 0.70), (0.73, 0.70))
    for index, arm in enumerate(arms):
        x = (index + 0.5) / len(arms)
        _arrow(ax, (0.5, 0.59), (x, 0.50))
        groups = "\n" + _group_text(arm.groups).replace("; ", "\n") if arm.groups else ""
        counts = f"allocated n = {arm.allocated}\nreached n = {arm.reached}{groups}"
        _box(ax, x, 0.44, f"{arm.arm}\n{counts}")
        lost = f"withdrew: {arm.withdrawn}\nunreachable: {arm.unreachable}\nerased: {arm.erased}"
        _box(ax, x, 0.24, f"Lost to follow-up\n{lost}")
        _box(ax, x, 0.06, f"Analysed (ITT)\nn = {arm.analysed}")
        _arrow(ax, (x, 0.38), (x, 0.31))
        _arrow(ax, (x, 0.17), (x, 0.10))
    return figure


def _outcomes_figure(weekly: pd.DataFrame, design: an.Design) -> Figure:
    figure = Figure(figsize=(8, 8))
    for index, outcome in enumerate(an.OUTCOMES):
        ax = figure.add_subplot(len(an.OUTCOMES), 1, index + 1)
        data = weekly[weekly["outcome"] == outcome.name]
        for arm in design.arms:
            line = data[data["arm"] == arm]
            if not line.empty:
                ax.plot(line["week"], line["mean"], marker="o", markersize=3, label=arm)
        if data.empty:
            ax.text(0.5, 0.5, "no complete weeks yet", ha="center", transform=ax.transAxes)
        else:
            ax.legend(fontsize=7)
        ax.set_ylabel(f"{outcome.label}\nper participant", fontsize=8)
    figure.axes[-1].set_xlabel("week since allocation")
    figure.tight_layout()
    return figure


def _estimates_figure(estimates: Sequence[an.Estimate], design: an.Design) -> Figure:
    figure = Figure(figsize=(8, 1.2 + 1.2 * len(an.OUTCOMES)))
    for index, outcome in enumerate(an.OUTCOMES):
        ax = figure.add_subplot(len(an.OUTCOMES), 1, index + 1)
        mine = [e for e in estimates if e.outcome == outcome]
        ax.axvline(1.0 if outcome.model == "count" else 0.0, color="#999", linestyle="--")
        for row, e in enumerate(mine):
            if e.estimate is None or e.low is None or e.high is None:
                ax.text(
                    0.02,
                    row,
                    "not estimable",
                    fontsize=7,
                    va="center",
                    transform=ax.get_yaxis_transform(),
                )
                continue
            ax.errorbar(
                [e.estimate],
                [row],
                xerr=[[e.estimate - e.low], [e.high - e.estimate]],
                fmt="o",
                capsize=3,
            )
        ax.set_yticks(range(len(mine)), [e.arm for e in mine])
        ax.set_ylim(-0.7, max(len(mine), 1) - 0.3)
        ax.set_title(
            f"{outcome.label}: {mine[0].measure if mine else ''} vs {design.control}", fontsize=9
        )
    figure.tight_layout()
    return figure


def _power_figure(rows: Sequence[an.PowerRow]) -> Figure:
    figure = Figure(figsize=(7, 4))
    ax = figure.add_subplot()
    for row in rows:
        points = [(d, p) for d, p in zip(_POWER_GRID, row.powers, strict=True) if p is not None]
        if points:
            ax.plot(*zip(*points, strict=True), label=f"{row.arm} vs control, {row.track}")
    ax.axhline(0.8, color="#999", linestyle="--")
    ax.set_xlabel("effect size d")
    ax.set_ylabel("power")
    ax.set_ylim(0, 1.02)
    if ax.lines[1:]:
        ax.legend(fontsize=7)
    return figure
