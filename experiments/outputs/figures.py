"""The report's figures (matplotlib): CONSORT flow, weekly outcomes, estimates and power."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullFormatter

from experiments import analysis as an
from experiments.analysis import achieved_power
from experiments.analysis.descriptives import _outcome_events
from experiments.protocol import Protocol

__all__ = [
    "consort_figure",
    "estimates_figure",
    "outcomes_figure",
    "power_figure",
    "power_note",
    "save_figure",
]
_RATIO_TICKS = (0.1, 0.2, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 10.0)
_WIDE_RATIO_TICKS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
_POWER_GRID = tuple(float(d) for d in np.round(np.arange(0.1, 1.21, 0.05), 2))


def save_figure(figure: Figure, path: Path) -> None:
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


def consort_figure(flow: an.Flow, analysis: an.TrialAnalysis, colours: Mapping[str, str]) -> Figure:
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
    reached = ""
    totals = [sum(c) for c in zip(*(site.counts() for site in flow.reach), strict=True)]
    if totals and totals[0] + totals[1] > 0:
        reached = (
            f"Codes issued n = {totals[0]} (+ {totals[1]} reusable links)\n"
            f"Links opened {totals[2]}, consent shown {totals[3]}\n"
        )
    _box(
        ax,
        0.5,
        0.95,
        f"{reached}Assessed (answered the consent question)\nn = {flow.enrolled + flow.refused}",
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
        # person × week (0 where they did nothing that week), looked up as a grid rather than
        # person by person: the same values in the same order, so the same means
        done = sums[outcome.name].astype(float).unstack(fill_value=0.0)
        for arm in design.arms:
            mine = eligible[eligible["arm"] == arm]
            seen = mine["weeks"].astype(int).to_numpy()
            weeks = int(seen.max()) if len(seen) else 0
            grid = done.reindex(
                index=mine["pseudonym"], columns=range(weeks), fill_value=0.0
            ).to_numpy(float)
            for week in range(weeks):
                at_risk = seen > week
                if at_risk.sum() < 5:
                    continue
                values = grid[at_risk, week]
                se = float(values.std(ddof=1) / math.sqrt(len(values)))
                rows.append((outcome.name, arm, week + 1, len(values), float(values.mean()), se))
    return pd.DataFrame(rows, columns=["outcome", "arm", "week", "participants", "mean", "se"])


def outcomes_figure(
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


def estimates_figure(
    analysis: an.TrialAnalysis, design: an.Design, colours: Mapping[str, str]
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
    # the participants in the primary's analysis: its track's share when one track records it
    participants = (
        an.primary_assumptions(protocol, plan).analysed(plan.participants) if plan else 300
    )
    weights = design.weights
    total = sum(weights.values())
    n = {arm: participants * w / total for arm, w in weights.items()}
    size = (protocol.groups.min_size + protocol.groups.max_size) / 2
    deff = 1 + (size - 1) * (plan.icc if plan else 0.05)
    comparisons = len(design.treatments)
    return n, deff, comparisons


def power_note(protocol: Protocol, design: an.Design) -> str:
    plan = protocol.analysis
    n, deff, k = _planned(protocol, design)
    alpha = plan.alpha if plan else 0.05
    return (
        f"Closed-form power of each arm against {design.control} for the planned "
        f"{sum(n.values()):.0f} participants in the primary's analysis, alpha {alpha:g} split over "
        f"{k} comparisons (Bonferroni; Dunnett is slightly less strict), the design effect "
        f"{deff:.2f} applied to arms with peer groups only. Not the power of the data at hand "
        "(post-hoc power says nothing the confidence intervals do not). For the design as run, "
        "with the primary's own type, the plan's degrees of freedom and unequal groups, use "
        "`lotgenoot power --protocol FILE` (simulation)."
    )


def power_figure(protocol: Protocol, design: an.Design, colours: Mapping[str, str]) -> Figure:
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
