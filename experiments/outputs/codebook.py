"""The codebook: every exported variable's type, label and value labels, and SPSS/Stata coding."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd  # type: ignore[import-untyped]

from experiments.outputs.column_labels import COLUMN_LABELS, TABLE_COLUMN_LABELS
from experiments.outputs.event_labels import EVENT_LABELS
from experiments.outputs.group_events import GROUP_EVENT_LABELS, GROUP_EVENT_VIA
from experiments.protocol import (
    PREFER_NOT_TO_SAY,
    ContextVariable,
    Instrument,
    InstrumentNotFound,
    Protocol,
    baseline_context,
    context_variables,
    load_instrument,
)

__all__ = [
    "GROUP_EVENT_LABELS",
    "Variable",
    "build_codebook",
    "codebook_frame",
    "codebook_markdown",
]

# every kind of event the bot records, in words (a test checks none is missing); new kinds go
# last, so the SPSS and Stata codes of the ones before them stay the same.
_KNOWN_VALUES: dict[str, dict[str, str]] = {
    "track": {"savings": "Saving (deposits)", "jobsearch": "Job search (applications)"},
    "participants.status": {
        "active": "Active",
        "paused": "Paused nudges (/pause)",
        "withdrawn": "Withdrew from messages (/stop)",
        "erased": "Identity erased (/delete)",
    },
    "messages.status": {
        "pending": "Waiting to be sent",
        "sending": "Being sent",
        "sent": "Delivered (an exposure)",
        "failed": "Failed",
        "cancelled": "Cancelled before sending",
    },
    "events.kind": {str(kind): label for kind, label in EVENT_LABELS.items()},
    "group_events.kind": {str(kind): label for kind, label in GROUP_EVENT_LABELS.items()},
    "group_events.via": GROUP_EVENT_VIA,
    "groups.status": {
        "awaiting_bind": "Formed, waiting for its Telegram group",
        "active": "Active",
        "closed": "Closed",
    },
    "memberships.status": {
        "assigned": "Assigned, not joined yet",
        "joined": "Joined the group",
        "left": "Left the group",
        "removed": "Removed by a counsellor",
    },
    "language": {"nl": "Dutch", "en": "English"},
    "phase": {
        "intervention": "During the person's intervention",
        "follow_up": "After the intervention ended (follow-up phase)",
    },
    "chat_type": {"private": "Private chat", "group": "Group chat"},
    "method": {"sum": "Sum of items", "mean": "Mean of items"},
    "component": {
        "reminder": "Reminder of the period's goal",
        "encouragement": "Encouragement with own progress",
        "prompt": "Check-in: did you save or apply today?",
    },
    "goal_unit": {"cents": "Euro cents saved", "steps": "Job-search steps"},
    "detail_plan": {
        "save": "Save an amount (amount_cents)",
        "apply": "Send applications (quantity)",
        "interview": "Go to interviews (quantity)",
        "other": "Something else",
    },
    "detail_result": {"yes": "Worked out", "partly": "Partly", "no": "Did not work out"},
    "unavailable_reason": {
        "paused": "Paused nudges (/pause)",
        "stopped": "Withdrew (/stop) or erased",
        "unreachable": "Bot blocked or chat gone",
        "quiet_hours": "Decision point in quiet hours",
        "recent_nudge": "Another nudge within the minimum gap",
        "budget_spent": "The day's messages nobody asked for were already sent",
        "missed": "Decision point passed while the bot was down",
        "goal_met": "Reminder: the period's goal was already met",
        "ended": "The person's intervention had ended (schedule.intervention_length)",
    },
}
_CATEGORICAL = {
    "site", "arm", "track", "age_band", "language", "consent_version", "intake_step", "status",
    "kind", "source", "wave", "instrument", "method", "chat_type", "component",
    "unavailable_reason", "goal_unit", "detail_plan", "detail_result",
    "phase", "via",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Variable:
    """One exported variable; `values` are (value, meaning), coded 1, 2, … in SPSS and Stata;
    `codes` label a variable that is already a number (a context answer: its code as stored)."""

    table: str
    name: str
    type: str
    label: str
    values: tuple[tuple[str, str], ...] = ()
    codes: tuple[tuple[int, str], ...] = ()

    @property
    def value_labels(self) -> str:
        """Codes and meanings as one line, e.g. `1 = control; 2 = text`."""
        if self.codes:
            return "; ".join(f"{code} = {meaning}" for code, meaning in self.codes)
        return "; ".join(
            f"{code} = {value}" + (f" ({meaning})" if meaning != value else "")
            for code, (value, meaning) in enumerate(self.values, start=1)
        )


def build_codebook(
    tables: Mapping[str, pd.DataFrame], protocol: Protocol | None = None
) -> list[Variable]:
    """A Variable for every column of every table, in table order."""
    plan = protocol.questionnaires if protocol is not None else None
    context = {v.column: v for v in context_variables(baseline_context(plan))}
    return [
        _context_variable(name, context[column], frame[column])
        if name == "participants" and column in context
        else _variable(name, column, frame[column], protocol)
        for name, frame in tables.items()
        for column in frame.columns
    ]


def _context_variable(table: str, context: ContextVariable, series: pd.Series) -> Variable:
    label = f"Baseline {context.instrument}: {context.label}"
    return Variable(table, context.column, _type(series), label[:80], codes=context.codes)


def _variable(table: str, column: str, series: pd.Series, protocol: Protocol | None) -> Variable:
    label = (
        TABLE_COLUMN_LABELS.get((table, column))
        or COLUMN_LABELS.get(column)
        or _dynamic_label(column, protocol)
    )
    if table in ("groups", "memberships") and column not in COLUMN_LABELS:
        label = f"Peer group{' membership' if table == 'memberships' else ''}: {label}"
    values: tuple[tuple[str, str], ...] = ()
    if column in _CATEGORICAL:
        values = _categories(table, column, series, protocol)
    return Variable(table, column, _type(series), label[:80], values)


def _dynamic_label(column: str, protocol: Protocol | None) -> str:
    if column.startswith("baseline_"):
        instrument_id = column.removeprefix("baseline_")
        try:
            instrument = _instrument(instrument_id, protocol)
        except InstrumentNotFound:
            return _subscale_label(instrument_id, protocol)
        if instrument.scoring is None:
            return f"Baseline {instrument.id}"
        low, high = instrument.score_range()
        return f"Baseline {instrument.id.upper()} ({instrument.scoring.method}, {low:g}-{high:g})"
    if column.startswith("detail_"):
        return f"Event detail: {column.removeprefix('detail_')}"
    return column.replace("_", " ").capitalize()


def _instrument(instrument_id: str, protocol: Protocol | None) -> Instrument:
    """The protocol's instrument (its own files included), or a shipped one without a protocol;
    InstrumentNotFound when there is none."""
    if protocol is not None:
        return protocol.questionnaires.instrument(instrument_id)
    return load_instrument(instrument_id)


def _subscale_label(score_id: str, protocol: Protocol | None) -> str:
    """`Baseline DJG6 emotional loneliness (count, 0-3)` for a subscale's score column."""
    instrument_id, _, part = score_id.rpartition("_")
    try:
        instrument = _instrument(instrument_id, protocol)
    except InstrumentNotFound:
        return f"Baseline score: {score_id}"
    scoring = instrument.scoring
    subscale = next((s for s in scoring.subscales if s.id == part), None) if scoring else None
    if scoring is None or subscale is None:
        return f"Baseline score: {score_id}"
    size = len(subscale.items)
    low, high = instrument.min_answer, instrument.max_answer
    if scoring.method == "count":
        low, high = 0, size
    elif scoring.method == "sum":
        low, high = low * size, high * size
    return (
        f"Baseline {instrument_id.upper()} {subscale.name.lower()} ({scoring.method}, {low}-{high})"
    )


def _categories(
    table: str, column: str, series: pd.Series, protocol: Protocol | None
) -> tuple[tuple[str, str], ...]:
    known = dict(_KNOWN_VALUES.get(f"{table}.{column}") or _KNOWN_VALUES.get(column) or {})
    if column == "arm" and protocol is not None:
        for arm in protocol.arms:
            parts = ", ".join(arm.components) or "no components"
            known[arm.name] = f"{arm.name}: {parts}"
    present = sorted(str(value) for value in series.dropna().unique() if str(value) != "")
    ordered = list(known) + [value for value in present if value not in known]
    return tuple((value, known.get(value, value)) for value in ordered)


def _type(series: pd.Series) -> str:
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return "datetime"
    if pd.api.types.is_bool_dtype(series.dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(series.dtype):
        return "integer"
    if pd.api.types.is_float_dtype(series.dtype):
        return "number"
    return "string"


def codebook_frame(variables: Sequence[Variable]) -> pd.DataFrame:
    """The codebook as a table (for codebook.csv)."""
    return pd.DataFrame(
        {
            "table": [v.table for v in variables],
            "variable": [v.name for v in variables],
            "type": [v.type for v in variables],
            "label": [v.label for v in variables],
            "value_labels": [v.value_labels for v in variables],
        }
    )


def codebook_markdown(variables: Sequence[Variable], title: str = "Codebook") -> str:
    """The codebook as Markdown, one section per table."""
    lines = [
        f"# {title}",
        "",
        "Dates are UTC. Categorical variables hold their text in CSV and Parquet files and the",
        "numeric code (with value labels) in SPSS and Stata files. Baseline context answers",
        f"are codes in every format; {PREFER_NOT_TO_SAY} means 'prefer not to say' (user-missing",
        "in SPSS); empty: not answered. A multiple-choice item has a 0/1 column per option.",
    ]
    table = ""
    for variable in variables:
        if variable.table != table:
            table = variable.table
            lines += [
                "",
                f"## {table}",
                "",
                "| variable | type | label | values |",
                "|---|---|---|---|",
            ]
        cells = [variable.name, variable.type, variable.label, variable.value_labels]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"
