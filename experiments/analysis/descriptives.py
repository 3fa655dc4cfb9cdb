"""Descriptive trial tables: sample ratio, CONSORT flow, baseline balance, weekly outcomes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd  # type: ignore[import-untyped]
from scipy import stats  # type: ignore[import-untyped]

from experiments.analysis.baseline_context import context_rows, mean_sd
from experiments.analysis.design import OUTCOMES, Design
from experiments.protocol import ContextVariable
from experiments.records import EventKind
from experiments.records.ledger_frames import contribution_frame

__all__ = [
    "SRM_THRESHOLD",
    "ArmFlow",
    "Flow",
    "GroupCounts",
    "GroupFlow",
    "SampleRatio",
    "analysed",
    "baseline_table",
    "flow",
    "group_counts",
    "sample_ratio",
    "weekly_outcomes",
]

SRM_THRESHOLD = 0.001
_WEEK = timedelta(days=7)
_NAMES = ["deposits", "saved_eur", "applications"]


@dataclass(frozen=True, slots=True)
class SampleRatio:
    """Arm counts against the protocol's weights (chi-square goodness of fit)."""

    observed: dict[str, int]
    expected: dict[str, float]
    chi2: float | None
    p_value: float | None
    note: str = ""

    @property
    def mismatch(self) -> bool:
        """Whether p falls below the threshold A/B platforms warn at."""
        return self.p_value is not None and self.p_value < SRM_THRESHOLD


def analysed(tables: Mapping[str, pd.DataFrame], design: Design) -> pd.DataFrame:
    """Allocated participants kept for intention-to-treat (erased ones only if consent allows)."""
    people = tables["participants"]
    keep = people["arm"].notna()
    if not design.keep_erased:
        keep &= people["status"] != "erased"
    return people[keep]


def sample_ratio(tables: Mapping[str, pd.DataFrame], design: Design) -> SampleRatio:
    """Chi-square of allocated counts per arm against the protocol weights."""
    counts = tables["participants"]["arm"].value_counts()
    observed = {arm: int(counts.get(arm, 0)) for arm in design.arms}
    total = sum(observed.values())
    weight_sum = sum(design.weights.values())
    expected = {arm: total * w / weight_sum for arm, w in design.weights.items()}
    strangers = sorted(set(counts.index) - set(design.arms))
    if strangers:
        note = f"arms not in the protocol: {', '.join(map(str, strangers))}"
        return SampleRatio(observed, expected, None, None, note)
    if min(expected.values(), default=0) < 5:
        note = "too little data: the test needs at least 5 expected per arm"
        return SampleRatio(observed, expected, None, None, note)
    chi2, p_value = stats.chisquare(list(observed.values()), list(expected.values()))
    return SampleRatio(observed, expected, float(chi2), float(p_value))


@dataclass(frozen=True, slots=True)
class ArmFlow:
    """One arm's column of the CONSORT diagram; group counts only for arms with peer groups."""

    arm: str
    allocated: int
    reached: int
    withdrawn: int
    unreachable: int
    erased: int
    analysed: int
    groups: GroupFlow | None = None


@dataclass(frozen=True, slots=True)
class GroupFlow:
    """An arm's peer groups: how many (by status), members assigned and joined; who was never
    placed (of whom told that no group could take them) and the median days to placement."""

    groups: int
    by_status: dict[str, int]
    assigned: int
    joined: int | None
    never_joined: int | None = None
    never_placed: int | None = None
    not_placeable: int | None = None
    days_to_group: float | None = None


@dataclass(frozen=True, slots=True)
class GroupCounts:
    """Members assigned to a group, those who joined its chat, and those who never did."""

    assigned: int
    joined: int | None
    never_joined: int | None


def group_counts(memberships: pd.DataFrame) -> GroupCounts:
    """Assigned, joined and never joined, from the exported memberships table.

    One membership row is one person assigned to a group; they joined if the row has a
    `joined_at`, and never joined if it has none (also when they left or were removed before
    joining). Without a `joined_at` column (an older export) only `assigned` is known. The bot's
    `/group` and `/groups` count the same way, so the report and the counsellor agree.
    """
    people = memberships.drop_duplicates("pseudonym") if "pseudonym" in memberships else memberships
    assigned = len(people)
    if "joined_at" not in people.columns:
        return GroupCounts(assigned, None, None)
    joined = int(people["joined_at"].notna().sum())
    return GroupCounts(assigned, joined, assigned - joined)


@dataclass(frozen=True, slots=True)
class Flow:
    """The CONSORT flow: refused, enrolled (consented), not allocated (why), then per arm;
    before it, the reach per site (codes issued to people allocated)."""

    refused: int
    enrolled: int
    not_allocated: dict[str, int]
    arms: tuple[ArmFlow, ...]
    reach: tuple[SiteReach, ...] = ()

    @property
    def codes_issued(self) -> int:
        return sum(site.codes_issued for site in self.reach)


REACH_COLUMNS = (
    "codes_issued",
    "reusable_links",
    "link_opens",
    "consent_shown",
    "consented",
    "consent_refusals",
    "allocated",
    "reenrollment_refusals",
)


@dataclass(frozen=True)
class SiteReach:
    """One site's reach funnel, in the order of REACH_COLUMNS."""

    site: str
    codes_issued: int
    reusable_links: int
    link_opens: int
    consent_shown: int
    consented: int
    declined: int
    allocated: int
    refused_returning: int

    def counts(self) -> tuple[int, ...]:
        return (
            self.codes_issued,
            self.reusable_links,
            self.link_opens,
            self.consent_shown,
            self.consented,
            self.declined,
            self.allocated,
            self.refused_returning,
        )


def reach(sites: pd.DataFrame) -> tuple[SiteReach, ...]:
    """Each site's funnel from the exported sites table (zeros where a count is missing)."""
    return tuple(
        SiteReach(
            str(row["site"]),
            *(
                int(row[c]) if c in sites.columns and not pd.isna(row[c]) else 0
                for c in REACH_COLUMNS
            ),
        )
        for _, row in sites.iterrows()
    )


def flow(tables: Mapping[str, pd.DataFrame], design: Design) -> Flow:
    """Counts for the CONSORT diagram; a person is counted under one loss reason only."""
    people = tables["participants"]
    pending = people[people["arm"].isna()]
    reasons = pending["status"].map({"withdrawn": "withdrew", "erased": "erased"})
    not_allocated = reasons.fillna("intake not completed").value_counts()
    messages = tables["messages"]
    reached = set(messages.loc[messages["status"] == "sent", "pseudonym"])
    kept = set(analysed(tables, design)["pseudonym"])
    arms = []
    for arm in design.arms:
        mine = people[people["arm"] == arm]
        status = mine["status"]
        lost = status.isin(["withdrawn", "erased"])
        arms.append(
            ArmFlow(
                arm=arm,
                allocated=len(mine),
                reached=int(mine["pseudonym"].isin(reached).sum()),
                withdrawn=int((status == "withdrawn").sum()),
                unreachable=int((mine["unreachable"].astype(bool) & ~lost).sum()),
                erased=int((status == "erased").sum()),
                analysed=int(mine["pseudonym"].isin(kept).sum()),
                groups=_group_flow(tables, mine, arm) if arm in design.grouped_arms else None,
            )
        )
    refused = int(tables["sites"]["consent_refusals"].sum())
    return Flow(
        refused,
        len(people),
        not_allocated.astype(int).to_dict(),
        tuple(arms),
        reach(tables["sites"]),
    )


def _group_flow(
    tables: Mapping[str, pd.DataFrame], mine: pd.DataFrame, arm: str
) -> GroupFlow | None:
    members, groups = tables.get("memberships"), tables.get("groups")
    if members is None or groups is None or (members.empty and groups.empty):
        return None
    assigned = members[members["pseudonym"].isin(mine["pseudonym"])]
    ids = set(assigned["group_id"])
    if "arm" in groups.columns:
        ids |= set(groups.loc[groups["arm"] == arm, "group_id"])
    statuses = groups.loc[groups["group_id"].isin(ids)].get("status", pd.Series(dtype=str))
    counts = group_counts(assigned)
    by_status = {str(k): int(v) for k, v in statuses.value_counts().items()}
    placed = set(assigned["pseudonym"])
    never = mine[~mine["pseudonym"].isin(placed)]
    events = tables["events"]
    told = events.loc[events["kind"] == EventKind.POOL_NOT_PLACEABLE, "pseudonym"]
    return GroupFlow(
        len(ids), by_status, counts.assigned, counts.joined, counts.never_joined,
        never_placed=len(never),
        not_placeable=int(never["pseudonym"].isin(set(told)).sum()),
        days_to_group=_days_to_group(events, mine),
    )  # fmt: skip


def _days_to_group(events: pd.DataFrame, people: pd.DataFrame) -> float | None:
    """Median days from allocation to placement in a group (`group_placed` events)."""
    placed = events[events["kind"] == EventKind.GROUP_PLACED].drop_duplicates("pseudonym")
    if placed.empty or people.empty:  # pandas cannot map an empty series through datetimes
        return None
    start = placed["pseudonym"].map(people.set_index("pseudonym")["allocated_at"])
    days = ((placed["occurred_at"] - start) / pd.Timedelta(days=1)).dropna()
    return float(days.median()) if len(days) else None


def baseline_table(
    tables: Mapping[str, pd.DataFrame],
    design: Design,
    context: Sequence[ContextVariable] = (),
) -> pd.DataFrame:
    """Descriptives by arm (n, mean (SD) or n (%)); no tests, as CONSORT advises. `context`
    adds the baseline context items, each answer by its value label."""
    people = analysed(tables, design)
    age = people["allocated_at"].dt.year - people["birth_year"].astype("float64")
    people = people.assign(age=age, commitment_eur=people["commitment_cents"] / 100)
    columns = {arm: people[people["arm"] == arm] for arm in design.arms} | {"All": people}
    rows: dict[str, list[str]] = {"Participants": [str(len(p)) for p in columns.values()]}
    numeric = [("age", "Age (years)"), ("commitment_eur", "Savings commitment per period (€)")]
    numeric += [("commitment_applications", "Applications committed per period")]
    scores = [c for c in people.columns if c.startswith("baseline_")]
    numeric += [(c, f"Baseline {c.removeprefix('baseline_').upper()} score") for c in scores]
    for column, label in numeric:
        rows[f"{label}, mean (SD)"] = [mean_sd(p[column]) for p in columns.values()]
    for column, label in (("track", "Track"), ("age_band", "Age band"), ("site", "Site")):
        for value in sorted(people[column].dropna().unique()):
            shares = [_share(p[column] == value, len(p)) for p in columns.values()]
            rows[f"{label}: {value}, n (%)"] = shares
    rows |= context_rows(columns, context)
    return pd.DataFrame(rows, index=list(columns)).T


def _share(mask: pd.Series, total: int) -> str:
    count = int(mask.sum())
    return f"{count} ({100 * count / total:.0f}%)" if total else "0"


def _outcome_events(events: pd.DataFrame, people: pd.DataFrame, as_of: datetime) -> pd.DataFrame:
    """What each event adds to every outcome, counted from allocation up to `as_of` at the
    moment `experiments.records.ledger` says it counts (a correction: that of the entry it
    corrects)."""
    counted = contribution_frame(events)
    if counted.empty or people.empty:  # pandas cannot map an empty series through datetimes
        return counted.iloc[0:0].assign(week=pd.Series(dtype=int))
    start = counted["pseudonym"].map(people.set_index("pseudonym")["allocated_at"])
    keep = start.notna() & (counted["at"] >= start) & (counted["at"] <= as_of)
    kept = counted[keep]
    return kept.assign(week=((kept["at"] - start[keep]) / _WEEK).astype(int))


def weekly_outcomes(
    tables: Mapping[str, pd.DataFrame], people: pd.DataFrame, design: Design, as_of: datetime
) -> pd.DataFrame:
    """Mean per participant per complete week since allocation, by arm (5+ people per point)."""
    events = _outcome_events(tables["events"], people, as_of)
    indexed = people.set_index("pseudonym")
    complete = events["week"] < events["pseudonym"].map(indexed["weeks"]).astype(int)
    events = events[complete].assign(arm=events["pseudonym"].map(indexed["arm"]))
    sums = events.groupby(["arm", "week"])[_NAMES].sum()
    rows = []
    for outcome in OUTCOMES:
        eligible = people[people["track"] == outcome.track]
        for arm in design.arms:
            seen = eligible.loc[eligible["arm"] == arm, "weeks"].astype(int)
            for w in range(int(seen.max()) if len(seen) else 0):
                at_risk = int((seen > w).sum())
                if at_risk >= 5:
                    total = sums[outcome.name].get((arm, w), 0.0)
                    rows.append((outcome.name, arm, w + 1, at_risk, float(total) / at_risk))
    return pd.DataFrame(rows, columns=["outcome", "arm", "week", "participants", "mean"])


def member_groups(tables: Mapping[str, pd.DataFrame], frame: pd.DataFrame) -> pd.Series:
    members = tables.get("memberships")
    if members is None or members.empty or "group_id" not in members.columns:
        return pd.Series([pd.NA] * len(frame), index=frame.index, dtype="Int64")
    first = members.dropna(subset=["group_id"]).drop_duplicates("pseudonym")
    return frame["pseudonym"].map(first.set_index("pseudonym")["group_id"]).astype("Int64")
