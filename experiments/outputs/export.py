"""Tidy, pseudonymized research tables built from the trial's raw rows (plain DataFrames)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, Literal

import pandas as pd  # type: ignore[import-untyped]
import pyreadstat
from pyreadstat.pyclasses import MissingRange

from experiments.allocation import Pseudonymizer
from experiments.micro.export import decision_table
from experiments.outputs.codebook import Variable, codebook_frame, codebook_markdown
from experiments.outputs.context_export import context_frame
from experiments.outputs.csv_writer import write_csv
from experiments.outputs.dose_export import DOSE_TABLES, dose_tables
from experiments.outputs.event_table import IDENTIFYING, event_table
from experiments.outputs.group_events import GROUP_EVENT_COLUMNS, group_event_table
from experiments.outputs.group_week_export import group_week_table
from experiments.outputs.labelled import labelled
from experiments.outputs.linkage_export import import_table
from experiments.outputs.phases import with_phase
from experiments.outputs.survey_scores import survey_scores
from experiments.protocol import PREFER_NOT_TO_SAY, Protocol

__all__ = [
    "FORMATS",
    "RAW_COLUMNS",
    "TABLES",
    "ExportFormat",
    "RawTrial",
    "build_tables",
    "safe_columns",
    "survey_scores",
    "write_export",
]

ExportFormat = Literal["csv", "parquet", "spss", "stata"]
FORMATS: tuple[ExportFormat, ...] = ("csv", "parquet", "spss", "stata")
_SUFFIXES = {"csv": "csv", "parquet": "parquet", "spss": "sav", "stata": "dta"}

RAW_COLUMNS: dict[str, tuple[str, ...]] = {
    name: tuple(columns.split())
    for name, columns in {
        "sites": "id name",
        "consent_refusals": "site_id count",
        "reenrollment_refusals": "site_id count",
        "reach_steps": "id site_id step at",
        "participants": "id site_id language consent_version consent_sha256 consented_at step "
        "birth_year "
        "age_band track commitment_cents commitment_applications goal_target_cents stratum arm "
        "allocated_at status paused_at withdrawn_at unreachable_since erased_at",
        "allocations": "sequence participant_id stratum position arm allocated_at prev_hash hash",
        "events": "id participant_id kind amount_cents quantity detail occurred_at source "
        "corrects_event_id",
        "survey_answers": "participant_id wave instrument item value answered_at mode",
        "follow_up_calls": "participant_id wave status drawn_at draw share selected entered_at",
        "messages": "participant_id kind status chat_type created_at sent_at",
        "groups": "id",
        "memberships": "group_id participant_id",
        "micro_decisions": "id participant_id component decision_at week available "
        "unavailable_reason probability sent",
        "group_events": GROUP_EVENT_COLUMNS,
        "linkage_imports": "id imported_at rows matched unmatched duplicates stored changed "
        "unchanged",
    }.items()
}
TABLES = (
    "participants",
    "sites",
    "allocations",
    "events",
    "survey_items",
    "survey_scores",
    "follow_up_calls",
    "messages",
    "groups",
    "memberships",
    "group_weeks",
    "micro_decisions",
    "group_events",
    *DOSE_TABLES,
    "linkage_imports",
)


@dataclass(frozen=True)
class RawTrial:
    """The trial's rows as read from the database (internal ids; see RAW_COLUMNS)."""

    as_of: datetime
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __getitem__(self, name: str) -> pd.DataFrame:
        """One raw table, empty (with its known columns) when absent."""
        frame = self.frames.get(name)
        return frame if frame is not None else pd.DataFrame(columns=list(RAW_COLUMNS[name]))


def safe_columns(columns: Iterable[str], keep: Iterable[str] = ("id", "group_id")) -> list[str]:
    """The columns of a reflected table that cannot identify anyone (by name)."""
    kept = set(keep)
    return [c for c in columns if c in kept or c == "participant_id" or not IDENTIFYING.search(c)]


def build_tables(
    raw: RawTrial,
    pseudonymizer: Pseudonymizer,
    *,
    shift_dates: bool = False,
    protocol: Protocol | None = None,
) -> dict[str, pd.DataFrame]:
    """The export tables: participants appear only under pseudonyms, dates shifted on request."""
    people = raw["participants"]
    names = pseudonymizer.pseudonyms(people["id"].astype("int64"))
    shift = _Shifter(pseudonymizer, shift_dates)
    scores = survey_scores(raw["survey_answers"], people, protocol)
    sites = dict(zip(raw["sites"]["id"], raw["sites"]["name"], strict=True))
    participants = _participants(people, sites, scores)
    context = context_frame(raw["survey_answers"], participants["id"], protocol)
    tables = {
        "participants": participants.join(context),
        "sites": _sites(raw, sites),
        "allocations": raw["allocations"].drop(
            columns=["prev_hash", "hash"] if shift_dates else []
        ),
        "events": with_phase(event_table(raw["events"]), people, protocol),
        "survey_items": raw["survey_answers"],
        "survey_scores": scores,
        "follow_up_calls": _drawn(raw["follow_up_calls"]),
        "messages": raw["messages"].dropna(subset=["participant_id"]),
        "memberships": raw["memberships"][safe_columns(raw["memberships"].columns)],
        "micro_decisions": decision_table(
            raw["micro_decisions"],
            raw["events"],
            people,
            sites,
            protocol.micro_randomization if protocol is not None else None,
            raw.as_of,
        ),
    }
    tables = {
        name: _personal(frame, names, shift, id_column="id" if name == "participants" else None)
        for name, frame in tables.items()
    }
    tables["groups"] = _groups(raw["groups"], shift)
    by_group = partial(shift.apply, offset=shift.pseudonymizer.group_offset)
    tables["group_events"] = group_event_table(raw["group_events"], by_group)
    weeks = group_week_table(raw.frames.get("group_weeks"), shift, protocol)
    if weeks is not None:
        tables["group_weeks"] = weeks
    tables |= dose_tables(tables, protocol, raw.as_of)
    imports = import_table(raw["linkage_imports"], shift_dates)
    if imports is not None:
        tables["linkage_imports"] = imports
    # The decision-level table exists in micro-randomized trials (or once decisions were made).
    micro = protocol is not None and protocol.micro_randomization is not None
    if not micro and tables["micro_decisions"].empty:
        del tables["micro_decisions"]
    # so is the follow-up calls' draw log, where the protocol follows up non-responders
    calls = protocol is not None and protocol.follow_up_calls is not None
    if not calls and tables["follow_up_calls"].empty:
        del tables["follow_up_calls"]
    return {name: tables[name].reset_index(drop=True) for name in TABLES if name in tables}


def _drawn(calls: pd.DataFrame) -> pd.DataFrame:
    """The non-responders drawn for a follow-up call (double sampling), chosen or not."""
    return calls[calls["drawn_at"].notna()].reset_index(drop=True)


class _Shifter:
    """Moves each participant's (or group's) dates back by their own keyed offset."""

    def __init__(self, pseudonymizer: Pseudonymizer, active: bool) -> None:
        self.pseudonymizer = pseudonymizer
        self.active = active
        self._days: dict[tuple[str, int], int] = {}  # each person's offset, once for all tables

    def apply(self, frame: pd.DataFrame, ids: pd.Series, offset: Callable[[int], Any]) -> None:
        if not self.active:
            return
        days = {pid: self._offset_days(offset, pid) for pid in ids.dropna().unique()}
        delta = pd.to_timedelta(ids.map(days), unit="D")
        for column in _date_columns(frame):
            frame[column] = frame[column] - delta

    def _offset_days(self, offset: Callable[[int], Any], pid: int) -> int:
        key = (offset.__name__, int(pid))
        if key not in self._days:
            self._days[key] = offset(pid).days
        return self._days[key]


def _date_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if isinstance(frame[c].dtype, pd.DatetimeTZDtype)]


def _personal(
    frame: pd.DataFrame, names: Mapping[int, str], shift: _Shifter, id_column: str | None
) -> pd.DataFrame:
    """Swap the internal participant id for the pseudonym (first column); shift dates."""
    column = id_column or "participant_id"
    if column not in frame.columns:
        return frame
    frame = _utc(frame.copy(deep=False))  # copy-on-write: the caller's frame stays as it was
    ids = frame[column].astype("Int64")
    shift.apply(frame, ids, shift.pseudonymizer.date_offset)
    pseudonyms = ids.map(names).astype("str")
    frame = frame.drop(columns=[column])
    frame.insert(0, "pseudonym", pseudonyms)
    return frame


def _utc(frame: pd.DataFrame) -> pd.DataFrame:
    for column in frame.columns:
        if column.endswith(("_at", "_since")):
            frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def _participants(
    people: pd.DataFrame, sites: Mapping[int, str], scores: pd.DataFrame
) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "id": people["id"].astype("int64"),
            "site": people["site_id"].map(sites),
            "arm": people["arm"],
            "stratum": people["stratum"],
            "track": people["track"],
            "age_band": people["age_band"],
            "birth_year": people["birth_year"].astype("Int64"),
            "language": people["language"],
            "commitment_cents": people["commitment_cents"].astype("Int64"),
            "commitment_applications": people["commitment_applications"].astype("Int64"),
            "goal_target_cents": people["goal_target_cents"].astype("Int64"),
            "consent_version": people["consent_version"],
            "consent_sha256": people.get("consent_sha256"),
            "intake_step": people["step"],
            "status": people["status"],
            "unreachable": people["unreachable_since"].notna(),
            "enrolled_at": people["consented_at"],
            "allocated_at": people["allocated_at"],
            "paused_at": people["paused_at"],
            "withdrawn_at": people["withdrawn_at"],
            "erased_at": people["erased_at"],
            "unreachable_since": people["unreachable_since"],
        }
    )
    baseline = scores[scores["wave"] == "baseline"]
    wide = baseline.pivot_table(
        index="participant_id", columns="instrument", values="score", aggfunc="first"
    )
    for instrument in sorted(wide.columns):
        frame[f"baseline_{instrument}"] = frame["id"].map(wide[instrument]).astype("float64")
    return frame


def _sites(raw: RawTrial, sites: Mapping[int, str]) -> pd.DataFrame:
    refusals = raw["consent_refusals"]
    counts = dict(zip(refusals["site_id"], refusals["count"], strict=True))
    again = raw["reenrollment_refusals"]
    returned = dict(zip(again["site_id"], again["count"], strict=True))
    steps = raw["reach_steps"]
    reach = steps.groupby(["site_id", "step"]).size().to_dict() if len(steps) else {}
    people = raw["participants"]
    consented = people.groupby("site_id").size().to_dict() if len(people) else {}
    allocated = (
        people[people["allocated_at"].notna()].groupby("site_id").size().to_dict()
        if len(people)
        else {}
    )

    def step(name: str) -> list[int]:
        return [int(reach.get((site_id, name), 0)) for site_id in sites]

    return pd.DataFrame(
        {
            "site": [sites[site_id] for site_id in sites],
            # the reach funnel (counts only): codes handed out to people allocated
            "codes_issued": step("code_issued"),
            "reusable_links": step("link_issued"),
            "link_opens": step("link_opened"),
            "consent_shown": step("consent_shown"),
            "consented": [int(consented.get(site_id, 0)) for site_id in sites],
            "allocated": [int(allocated.get(site_id, 0)) for site_id in sites],
            "consent_refusals": [int(counts.get(site_id, 0)) for site_id in sites],
            # a count per site only: linking a refusal to a pseudonym would undo an erasure
            "reenrollment_refusals": [int(returned.get(site_id, 0)) for site_id in sites],
        }
    )


def _groups(groups: pd.DataFrame, shift: _Shifter) -> pd.DataFrame:
    frame = _utc(groups[safe_columns(groups.columns)].copy())
    if "id" in frame.columns:
        shift.apply(frame, frame["id"].astype("Int64"), shift.pseudonymizer.group_offset)
        frame = frame.rename(columns={"id": "group_id"})
    return frame


def write_export(
    tables: Mapping[str, pd.DataFrame],
    variables: Sequence[Variable],
    out: Path,
    file_format: ExportFormat = "csv",
) -> list[Path]:
    """Write each table in one format, plus codebook.csv and codebook.md; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in tables.items():
        path = out / f"{name}.{_SUFFIXES[file_format]}"
        if file_format == "csv":
            write_csv(frame, path)  # as frame.to_csv(path, index=False), many times faster
        elif file_format == "parquet":
            frame.to_parquet(path, index=False)
        else:
            own = [v for v in variables if v.table == name]
            data, labels, values = labelled(frame, own)
            if file_format == "spss":  # "prefer not to say" is user-missing in SPSS
                missing: dict[str, list[int | float | str | MissingRange]] = {
                    v.name: [PREFER_NOT_TO_SAY] for v in own if dict(v.codes).get(PREFER_NOT_TO_SAY)
                }
                pyreadstat.write_sav(
                    data,
                    str(path),
                    column_labels=labels,
                    variable_value_labels=values,
                    missing_ranges=missing or None,
                )
            else:
                pyreadstat.write_dta(
                    data, str(path), column_labels=labels, variable_value_labels=values
                )
        written.append(path)
    codebook_frame(variables).to_csv(out / "codebook.csv", index=False)
    (out / "codebook.md").write_text(codebook_markdown(variables), encoding="utf-8")
    return [*written, out / "codebook.csv", out / "codebook.md"]
