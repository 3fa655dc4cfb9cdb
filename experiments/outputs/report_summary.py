"""The report's first section: three to five plain sentences a funder reads before any table.

What was tested, who took part, what was found on the primary outcome and how sure we are, each
written from the numbers of the analysis (never typed by hand), in words without jargon.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pandas as pd  # type: ignore[import-untyped]

from experiments import analysis as an
from experiments.protocol import Component, Protocol

__all__ = ["DF_WARNING", "plain_summary", "thin_df"]

DF_WARNING = 2.0  # at or below this many degrees of freedom an interval gets a visible warning

_GOALS = {"savings": "save money", "jobsearch": "find work"}
_MESSAGES = {Component.CONGRATULATION, Component.REMINDER, Component.ENCOURAGEMENT}


def thin_df(df: float | None) -> bool:
    """Whether an interval rests on so few degrees of freedom that it deserves a warning."""
    return df is not None and df <= DF_WARNING


def plain_summary(
    protocol: Protocol, analysis: an.TrialAnalysis, flow: an.Flow, as_of: datetime
) -> list[str]:
    """Three to five sentences: tested, took part, found, how sure."""
    design = an.Design.from_protocol(protocol)
    sentences = [_tested(protocol, design), _took_part(analysis.people, flow)]
    found, sure = _found(analysis, design)
    sentences += [s for s in (found, sure, _how_far(analysis, protocol, as_of)) if s]
    return sentences[:5]


def _arm_words(protocol: Protocol, name: str) -> str:
    arm = next(a for a in protocol.arms if a.name == name)
    parts: list[str] = []
    if arm.has(Component.PEER_GROUP):
        parts.append("a small peer group led by a counsellor")
    elif arm.has(Component.CURRICULUM):
        parts.append("a weekly topic sent to them privately")
    if any(arm.has(c) for c in _MESSAGES):
        parts.append("short encouraging text messages")
    if arm.has(Component.COUNSELLOR_CONTACT) and not arm.has(Component.PEER_GROUP):
        parts.append("questions answered by a counsellor")
    known = {str(c) for c in (*_MESSAGES, Component.PEER_GROUP, Component.CURRICULUM)}
    others = [str(c) for c in arm.components if str(c) not in known and "group" not in str(c)]
    if "counsellor_outreach" in others:
        parts.append("regular check-ins started by a counsellor")
    if not parts:
        return "only keeping track of their progress in the app"
    return " with ".join([parts[0], " and ".join(parts[1:])]) if len(parts) > 1 else parts[0]


def _tested(protocol: Protocol, design: an.Design) -> str:
    goals = list(_GOALS.values())  # every protocol has both tracks
    treatments = [f"{_arm_words(protocol, a)} (“{a}”)" for a in design.treatments]
    tested = " or ".join(treatments) if len(treatments) <= 2 else ", ".join(treatments)
    control = f"{_arm_words(protocol, design.control)} (“{design.control}”)"
    return (
        f"This trial tested whether {tested} help people {' or '.join(goals)} more than {control}."
    )


def _took_part(people: pd.DataFrame, flow: an.Flow) -> str:
    if people.empty:
        return f"{flow.enrolled} people have agreed to take part so far; nobody has been analysed."
    allocated = sum(a.allocated for a in flow.arms)
    arms = ", ".join(f"{a.allocated} to “{a.arm}”" for a in flow.arms)
    dates = pd.to_datetime(people["allocated_at"], utc=True)
    first, last = dates.min(), dates.max()
    when = (
        f"on {first:%-d %B %Y}"
        if first.date() == last.date()
        else f"between {first:%-d %B} and {last:%-d %B %Y}"
    )
    sites = people["site"].nunique()
    tracks = people["track"].value_counts()
    mix = " and ".join(
        f"{int(tracks[t])} wanted to {_GOALS.get(str(t), str(t))}" for t in tracks.index
    )
    return (
        f"{allocated} people at {sites} site{'s' if sites != 1 else ''} were assigned by lot "
        f"{when} ({arms}); {mix}."
    )


def _found(analysis: an.TrialAnalysis, design: an.Design) -> tuple[str, str]:
    rows = [r for r in analysis.primary if r.contrast.endswith(f" vs {design.control}")]
    rows = rows or analysis.primary
    if not rows:
        return "There is no primary outcome to report yet.", ""
    spec = rows[0].outcome
    what = f"the main outcome, {spec.label.lower()}"
    estimated = [r for r in rows if r.not_estimable is None and r.estimate is not None]
    if not estimated:
        reason = rows[0].not_estimable.reason if rows[0].not_estimable else "no estimate"
        return f"There is no estimate yet for {what}: {reason}.", ""
    found = f"On {what}, " + "; ".join(_effect_words(r) for r in estimated) + "."
    return found, _sureness(estimated)


def _effect_words(r: an.Result) -> str:
    arm = r.contrast.split(" vs ")[0]
    ours, theirs = r.summary
    assert r.estimate is not None
    other = r.contrast.split(" vs ")[-1]
    what = r.outcome.label.lower()
    if r.outcome.kind == "count" and ours is not None and theirs is not None:
        level = (
            f"people in “{arm}” logged {ours:.2f} {what} a week against {theirs:.2f} in “{other}”"
        )
    elif r.outcome.kind == "binary" and ours is not None and theirs is not None:
        level = f"{ours:.0%} in “{arm}” against {theirs:.0%} in “{other}”"
    else:
        level = f"people in “{arm}”"
    if r.outcome.ratio:
        change = r.estimate - 1
        size = f"{abs(change):.0%} {'more' if change >= 0 else 'fewer'}"
        return f"{level}: {size} after adjustment (95% interval: {_pct(r.low)} to {_pct(r.high)})"
    unit = "points" if r.outcome.kind == "questionnaire" else ""
    level = f"people in “{arm}”"
    amount = f"€{abs(r.estimate):.2f}" if r.outcome.kind == "money" else f"{abs(r.estimate):.2f}"
    direction = "more" if r.estimate >= 0 else "less"
    return (
        f"{level} had {amount}{' ' + unit if unit else ''} {direction} than in “{other}” "
        f"(95% interval: {r.low:.2f} to {r.high:.2f})"
    )


def _pct(value: float | None) -> str:
    if value is None:
        return "?"
    change = value - 1
    return f"{abs(change):.0%} {'more' if change >= 0 else 'fewer'}"


def _sureness(rows: Sequence[an.Result]) -> str:
    clear: list[str] = []
    unclear: list[str] = []
    caveats: list[str] = []
    for r in rows:
        arm = r.contrast.split(" vs ")[0]
        null = 1.0 if r.outcome.ratio else 0.0
        assert r.low is not None
        assert r.high is not None
        (clear if r.low > null or r.high < null else unclear).append(f"“{arm}”")
        if r.groups is not None and r.groups < 5:
            caveats.append(f"the “{arm}” result rests on only {r.groups} peer groups")
        if thin_df(r.df):
            caveats.append(f"its interval has very few degrees of freedom ({r.df:.1f})")
    said = []
    if clear:
        said.append(
            f"for {' and '.join(clear)} the 95% interval leaves out “no difference”, so chance "
            "alone is an unlikely explanation"
        )
    if unclear:
        said.append(
            f"for {' and '.join(unclear)} the interval includes “no difference”, so these data "
            "cannot tell an effect from chance"
        )
    sentence = "; ".join(said)
    if caveats:
        sentence += ", and " + "; ".join(caveats)
    return sentence[0].upper() + sentence[1:] + "."


def _how_far(analysis: an.TrialAnalysis, protocol: Protocol, as_of: datetime) -> str:
    """An interim look says so: not everyone has been followed for the whole window yet."""
    people = analysis.people
    if people.empty:
        return ""
    window = analysis.plan.follow_up
    allocated = pd.to_datetime(people["allocated_at"], utc=True)
    complete = int((allocated + window <= pd.Timestamp(as_of)).sum())
    weeks = window.days // 7
    if complete == len(people):
        return f"Everyone analysed has been followed for the full {weeks} weeks."
    if complete == 0:
        return (
            f"This is an interim look: nobody has been followed for the full {weeks} weeks "
            "yet, so these numbers can still change."
        )
    return (
        f"This is an interim look: {complete} of {len(people)} people have been followed for "
        f"the full {weeks} weeks, so these numbers can still change."
    )
