"""The codebook: every exported variable's type, label and value labels, and SPSS/Stata coding."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd  # type: ignore[import-untyped]

from experiments.outputs.dose_export import DOSE_LABELS
from experiments.outputs.event_labels import EVENT_LABELS
from experiments.outputs.group_events import GROUP_EVENT_LABELS, GROUP_EVENT_VIA
from experiments.protocol import (
    PREFER_NOT_TO_SAY,
    ContextVariable,
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

_LABELS = {
    "ingredients": "The group's draw of ingredients by group ([group_factorial]; 'none': none)",
    "pseudonym": "Participant pseudonym (keyed HMAC of the internal id)",
    "site": "Site where the participant enrolled",
    "arm": "Allocated arm",
    "stratum": "Randomization stratum",
    "track": "Track chosen at intake",
    "age_band": "Age band at enrollment",
    "birth_year": "Year of birth",
    "language": "Language of the conversation",
    "commitment_cents": "Savings commitment per period (euro cents)",
    "commitment_applications": "Applications committed per period",
    "goal_target_cents": "Savings target (euro cents)",
    "consent_version": "Version of the consent text agreed to",
    "consent_sha256": "SHA-256 of the consent's words agreed to (the protocol's [consent])",
    "intake_step": "Intake step reached",
    "unreachable": "Bot blocked or chat gone (lost to follow-up)",
    "enrolled_at": "Consent given (enrollment), UTC",
    "allocated_at": "Allocated to an arm, UTC",
    "paused_at": "Paused nudges since, UTC",
    "withdrawn_at": "Withdrew (/stop), UTC",
    "erased_at": "Asked for erasure (/delete), UTC",
    "unreachable_since": "Unreachable since, UTC",
    "consent_refusals": "People who declined consent at this site",
    "codes_issued": "Single-use enrollment codes issued for this site",
    "reusable_links": "Reusable enrollment links issued for this site (each may enrol many)",
    "link_opens": "Times an enrollment link of this site was opened (/start with its code)",
    "consent_shown": "Times the consent was shown after a valid link of this site",
    "consented": "People who consented at this site",
    "allocated": "People allocated at this site",
    "reenrollment_refusals": "Refused attempts to enroll again after an allocation, at this site",
    "sequence": "Position in the hash-chained allocation log",
    "position": "Position within the stratum's allocation sequence (0-based)",
    "prev_hash": "Hash of the previous allocation record",
    "hash": "Hash of this allocation record (HMAC-SHA256 keyed with the seed; SHA-256 if legacy)",
    "event_id": "Event number",
    "kind": "What happened",
    "amount_cents": "Amount (euro cents; negative for a correction)",
    "quantity": "Number of actions (negative for a correction)",
    "occurred_at": "When it happened, UTC",
    "source": "Where the record came from",
    "corrects_event_id": "The entry (event_id) this correction takes back",
    "wave": "Questionnaire wave",
    "instrument": "Questionnaire instrument",
    "item": "Questionnaire item",
    "value": "Answer as given (before reverse keying)",
    "answered_at": "Answered, UTC",
    "score": "Scale score (prorated when items are missing)",
    "method": "Scoring method",
    "answered": "Items answered",
    "missing": "Selected items not answered",
    "prorated": "Score prorated for missing items",
    "status": "Status",
    "chat_type": "Chat type",
    "created_at": "Queued, UTC",
    "sent_at": "Delivered to Telegram, UTC",
    "group_id": "Peer group number",
    "decision_at": "Decision point (micro-randomization), UTC",
    "available": "Available at the decision point (could be nudged)",
    "unavailable_reason": "Why unavailable (paused, stopped, unreachable, quiet hours, ...)",
    "probability": "Randomization probability of sending at this decision point",
    "sent": "Nudge sent at this decision point (the draw was below the probability)",
    "outcome": "Proximal outcome in the protocol's window after the decision (missing: open)",
    "day": "Participant's day of the decision point (1 = allocation day)",
    "prior_outcome": "The proximal outcome in the same window before the decision point",
    "prior_sent": "The previous decision point sent the nudge",
    "detail_plan": "Check-in: the plan chosen for the week",
    "detail_result": "Check-in: whether the week's plan worked out",
    "detail_decision": "Placement: formed, filled, merged, formed_small or joined_group",
    "detail_waited_days": "Placement: whole days waited in the pool",
    "detail_waiting": "Not placeable: people waiting in the arm and track, every age band",
    "detail_needed": "Not placeable: the smallest group the protocol allows past the wait",
    "phase": "Phase of the person's study when it happened: intervention, or follow_up after "
    "schedule.intervention_length",
    "detail_check": "Retention check asked ([retention] checks name, e.g. 3m)",
    "detail_retained": "Retention answer: yes, no or other",
    "detail_start_kind": "Retention: the start asked about (job or training)",
    "detail_outcome": "Linked outcome: its name in the protocol's [linkage] outcomes",
    "detail_origin": "Linked outcome: the registry it came from ([linkage] outcomes source)",
    "detail_date": "Linked outcome of type date: the date (midnight UTC; shifted with the rest)",
    "detail_answer": "Linked outcome of type yes_no: yes or no",
    "detail_number": "Linked outcome of type number: the value",
}
_TABLE_LABELS = {
    ("participants", "status"): "Participation status",
    ("messages", "status"): "Delivery status",
    ("messages", "kind"): "Message kind",
    ("allocations", "arm"): "Arm drawn",
    ("groups", "status"): "Group status",
    ("groups", "arm"): "Arm of the group's members",
    ("groups", "formed_size"): "Members when the group was formed",
    ("memberships", "status"): "Membership status",
    ("memberships", "id"): "Membership number",
    ("memberships", "placed_at"): "When the participant was placed in the group",
    ("groups", "closed_at"): "When the group's cycle ended and it closed, UTC",
    (
        "micro_decisions",
        "component",
    ): "Micro-randomized component (reminder, encouragement, prompt)",
    ("micro_decisions", "week"): "Participant's week of the decision point (1 = first)",
    ("micro_decisions", "site"): "Site where the participant enrolled",
    ("group_events", "group_event_id"): "Group event number",
    ("group_events", "kind"): "What happened to the group (no person: SPEC §11.5)",
    ("group_events", "week_start"): "Start of the group's week it is about, UTC",
    ("group_events", "via"): "How it happened (a post's way, an answer's kind, a close's chat)",
    ("group_events", "quantity"): "How many (see the kind: members, quiet members, hosts, ...)",
    ("survey_items", "mode"): "Answer collected by: self (in the chat) or staff (a follow-up call)",
    ("follow_up_calls", "wave"): "Questionnaire wave not answered after the reminders (1 = first)",
    ("follow_up_calls", "status"): "Call task: not_chosen, open, entered (answers), closed",
    ("follow_up_calls", "drawn_at"): "When the non-responder was drawn, UTC",
    (
        "follow_up_calls",
        "draw",
    ): "Uniform draw in [0, 1) from the seed (study verify recomputes it)",
    ("follow_up_calls", "share"): "Share of non-responders followed up ([follow_up_calls] share)",
    ("follow_up_calls", "selected"): "Chosen for a follow-up by a person (draw below share)",
    ("follow_up_calls", "entered_at"): "When the staff member entered the answers, UTC",
    ("linkage_imports", "import_id"): "Registry import number (lotgenoot linkage import)",
    ("linkage_imports", "imported_at"): "When the registry outcomes were imported, UTC "
    "(left out with --shift-dates)",
    ("linkage_imports", "rows"): "Rows in the imported file",
    ("linkage_imports", "matched"): "Rows whose pseudonym matched a participant",
    ("linkage_imports", "unmatched"): "Rows whose pseudonym matched nobody (or someone erased)",
    ("linkage_imports", "duplicates"): "Rows refused as a pseudonym's second or later row",
    ("linkage_imports", "stored"): "Values new to the database",
    ("linkage_imports", "changed"): "Values that differed from the last import (a correction)",
    ("linkage_imports", "unchanged"): "Values imported before, not stored again",
    ("group_weeks", "week_start"): "Start of the group's week (check-in), UTC",
    ("group_weeks", "week_end"): "End of the group's week, UTC",
    ("group_weeks", "members"): "Members joined (at the last count of the week)",
    ("group_weeks", "plans"): "Members with a plan for the week",
    ("group_weeks", "reviews_yes"): "Members who said their plan worked out",
    ("group_weeks", "reviews_partly"): "Members who said it partly worked out",
    ("group_weeks", "reviews_no"): "Members who said it did not work out",
    ("group_weeks", "plan_posted_at"): "Plan prompt posted in the group, UTC",
    ("group_weeks", "review_posted_at"): "Review prompt (did it work out?) posted, UTC",
    ("group_weeks", "closed_at"): "Week closed, UTC",
    ("group_weeks", "goal_unit"): "Unit of the group goal",
    ("group_weeks", "goal_target"): "Group goal: the sum of the members' plans (in goal_unit)",
    ("group_weeks", "goal_progress"): "Group goal: what the members logged in the week",
    ("group_weeks", "goal_posted_at"): "Group goal first posted (and pinned), UTC",
    ("group_weeks", "goal_reached_at"): "Group goal reached (celebrated), UTC",
    **DOSE_LABELS,
}
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
        _TABLE_LABELS.get((table, column))
        or _LABELS.get(column)
        or _dynamic_label(column, protocol)
    )
    if table in ("groups", "memberships") and column not in _LABELS:
        label = f"Peer group{' membership' if table == 'memberships' else ''}: {label}"
    values: tuple[tuple[str, str], ...] = ()
    if column in _CATEGORICAL:
        values = _categories(table, column, series, protocol)
    return Variable(table, column, _type(series), label[:80], values)


def _dynamic_label(column: str, protocol: Protocol | None) -> str:
    if column.startswith("baseline_"):
        instrument_id = column.removeprefix("baseline_")
        try:
            instrument = (
                protocol.questionnaires.instrument(instrument_id)
                if protocol is not None
                else load_instrument(instrument_id)
            )
        except InstrumentNotFound:
            return _subscale_label(instrument_id, protocol)
        if instrument.scoring is None:
            return f"Baseline {instrument.id}"
        low, high = instrument.score_range()
        return f"Baseline {instrument.id.upper()} ({instrument.scoring.method}, {low:g}-{high:g})"
    if column.startswith("detail_"):
        return f"Event detail: {column.removeprefix('detail_')}"
    return column.replace("_", " ").capitalize()


def _subscale_label(score_id: str, protocol: Protocol | None) -> str:
    """`Baseline DJG6 emotional loneliness (count, 0-3)` for a subscale's score column."""
    instrument_id, _, part = score_id.rpartition("_")
    try:
        instrument = (
            protocol.questionnaires.instrument(instrument_id)
            if protocol is not None
            else load_instrument(instrument_id)
        )
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
