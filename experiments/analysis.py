"""Trial analysis on the export tables: flow, balance, sample ratio, ITT estimates, ICC, power."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
import statsmodels.api as sm  # type: ignore[import-untyped]
from scipy import stats  # type: ignore[import-untyped]

from experiments.power import achieved_power
from experiments.protocol import Protocol
from experiments.protocol_sections import Component

__all__ = [
    "EFFECT_SIZES",
    "OUTCOMES",
    "SRM_THRESHOLD",
    "ArmFlow",
    "Design",
    "Estimate",
    "Flow",
    "GroupFlow",
    "Outcome",
    "PowerRow",
    "SampleRatio",
    "analysed",
    "baseline_table",
    "flow",
    "icc",
    "itt_estimates",
    "per_participant",
    "power_rows",
    "sample_ratio",
    "weekly_outcomes",
]

SRM_THRESHOLD = 0.001
EFFECT_SIZES = (0.2, 0.3, 0.4, 0.5, 0.8)
_WEEK = timedelta(days=7)
_NAMES = ["deposits", "saved_eur", "applications"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """An outcome per participant: who can have it (track), and how it is modelled."""

    name: str
    label: str
    track: str
    model: Literal["count", "continuous"]


OUTCOMES = (
    Outcome("deposits", "Deposits", "savings", "count"),
    Outcome("saved_eur", "Total saved (€)", "savings", "continuous"),
    Outcome("applications", "Applications", "jobsearch", "count"),
)


@dataclass(frozen=True)
class Design:
    """The arms as the protocol defines them, and which one is the control."""

    weights: dict[str, int]
    control: str
    control_reason: str
    grouped_arms: tuple[str, ...]
    keep_erased: bool

    @classmethod
    def from_protocol(cls, protocol: Protocol) -> Design:
        """Control: the first arm with no components, else the protocol's last arm."""
        bare = [arm.name for arm in protocol.arms if not arm.components]
        if bare:
            control, reason = bare[0], "the arm with no intervention components"
        else:
            control, reason = protocol.arms[-1].name, "no arm lacks components: the last arm"
        return cls(
            weights=protocol.arm_weights(),
            control=control,
            control_reason=reason,
            grouped_arms=protocol.arms_with(Component.PEER_GROUP),
            keep_erased=protocol.study.keep_research_data_after_erasure,
        )

    @property
    def arms(self) -> list[str]:
        """Arm names in protocol order."""
        return list(self.weights)

    @property
    def treatments(self) -> list[str]:
        """Every arm compared with control."""
        return [arm for arm in self.weights if arm != self.control]


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


@dataclass(frozen=True, slots=True)
class Estimate:
    """One intention-to-treat comparison of an arm with control, or why there is none."""

    outcome: Outcome
    arm: str
    control: str
    n_arm: int
    n_control: int
    measure: str
    estimate: float | None = None
    low: float | None = None
    high: float | None = None
    p_value: float | None = None
    clusters: int | None = None  # the arm's peer groups, when standard errors are clustered
    icc: float | None = None
    note: str = ""
    mean_arm: float | None = None
    mean_control: float | None = None


@dataclass(frozen=True, slots=True)
class PowerRow:
    """Achieved power of one comparison in one track's sample, per effect size (None: too few)."""

    arm: str
    track: str
    n_arm: int
    n_control: int
    design_effect: float
    powers: tuple[float | None, ...]


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
    """An arm's peer groups: how many (by status), members assigned and joined."""

    groups: int
    by_status: dict[str, int]
    assigned: int
    joined: int | None


@dataclass(frozen=True, slots=True)
class Flow:
    """The CONSORT flow: refused, enrolled (consented), not allocated (why), then per arm."""

    refused: int
    enrolled: int
    not_allocated: dict[str, int]
    arms: tuple[ArmFlow, ...]


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
    return Flow(refused, len(people), not_allocated.astype(int).to_dict(), tuple(arms))


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
    joined = int(assigned["joined_at"].notna().sum()) if "joined_at" in assigned else None
    by_status = {str(k): int(v) for k, v in statuses.value_counts().items()}
    return GroupFlow(len(ids), by_status, int(assigned["pseudonym"].nunique()), joined)


def baseline_table(tables: Mapping[str, pd.DataFrame], design: Design) -> pd.DataFrame:
    """Descriptives by arm (n, mean (SD) or n (%)); no tests, as CONSORT advises."""
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
        rows[f"{label}, mean (SD)"] = [_mean_sd(p[column]) for p in columns.values()]
    for column, label in (("track", "Track"), ("age_band", "Age band"), ("site", "Site")):
        for value in sorted(people[column].dropna().unique()):
            shares = [_share(p[column] == value, len(p)) for p in columns.values()]
            rows[f"{label}: {value}, n (%)"] = shares
    return pd.DataFrame(rows, index=list(columns)).T


def _mean_sd(values: pd.Series) -> str:
    present = values.dropna().astype("float64")
    if present.empty:
        return "–"
    spread = f"{present.std():.1f}" if len(present) > 1 else "–"
    return f"{present.mean():.1f} ({spread}), n={len(present)}"


def _share(mask: pd.Series, total: int) -> str:
    count = int(mask.sum())
    return f"{count} ({100 * count / total:.0f}%)" if total else "0"


def per_participant(
    tables: Mapping[str, pd.DataFrame], design: Design, as_of: datetime
) -> pd.DataFrame:
    """Each analysed participant's follow-up (weeks), outcomes since allocation and group."""
    people = analysed(tables, design)
    frame = people[["pseudonym", "arm", "track", "allocated_at"]].copy()
    weeks = (pd.Timestamp(as_of) - frame["allocated_at"]) / _WEEK
    frame["weeks"] = weeks.clip(lower=1 / 7).astype("float64")
    totals = _outcome_events(tables["events"], frame, as_of).groupby("pseudonym")[_NAMES].sum()
    for column in _NAMES:
        frame[column] = frame["pseudonym"].map(totals[column]).fillna(0).astype("float64")
    frame["deposits"] = frame["deposits"].clip(lower=0)
    frame["group"] = _groups_of(tables, frame)
    return frame.reset_index(drop=True)


def _outcome_events(events: pd.DataFrame, people: pd.DataFrame, as_of: datetime) -> pd.DataFrame:
    """Events from allocation up to `as_of`, with what each adds to every outcome."""
    if events.empty or people.empty:  # pandas cannot map an empty series through datetimes
        start = pd.Series(dtype="datetime64[ns, UTC]")
        keep = pd.Series(dtype=bool)
    else:
        start = events["pseudonym"].map(people.set_index("pseudonym")["allocated_at"])
        keep = start.notna() & (events["occurred_at"] >= start) & (events["occurred_at"] <= as_of)
    kept = events[keep] if len(keep) else events.iloc[0:0]
    kind = kept["kind"]
    signed = (kind == "deposit").astype(int) - (kind == "deposit_correction").astype(int)
    return pd.DataFrame(
        {
            "pseudonym": kept["pseudonym"],
            "week": ((kept["occurred_at"] - start[keep]) / _WEEK).astype(int),
            "deposits": signed,
            "saved_eur": kept["amount_cents"].astype("float64").where(signed != 0, 0).fillna(0)
            / 100,
            "applications": kept["quantity"]
            .astype("float64")
            .fillna(1)
            .where(kind == "applied", 0),
        }
    )


def _groups_of(tables: Mapping[str, pd.DataFrame], frame: pd.DataFrame) -> pd.Series:
    members = tables.get("memberships")
    if members is None or members.empty or "group_id" not in members.columns:
        return pd.Series([pd.NA] * len(frame), index=frame.index, dtype="Int64")
    first = members.dropna(subset=["group_id"]).drop_duplicates("pseudonym")
    return frame["pseudonym"].map(first.set_index("pseudonym")["group_id"]).astype("Int64")


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


def icc(values: Sequence[float] | pd.Series, groups: Sequence[object] | pd.Series) -> float | None:
    """One-way ANOVA intra-class correlation ICC(1); None with fewer than 2 groups of 2+."""
    frame = pd.DataFrame({"y": np.asarray(values, dtype=float), "g": list(groups)}).dropna()
    sizes = frame.groupby("g")["y"].size()
    k, n = len(sizes), len(frame)
    if k < 2 or n <= k or (sizes >= 2).sum() < 2:
        return None
    means = frame.groupby("g")["y"].transform("mean")
    ssb = float(((means - frame["y"].mean()) ** 2).sum())
    ssw = float(((frame["y"] - means) ** 2).sum())
    msb, msw = ssb / (k - 1), ssw / (n - k)
    n0 = (n - float((sizes**2).sum()) / n) / (k - 1)
    denominator = msb + (n0 - 1) * msw
    return None if denominator <= 0 else (msb - msw) / denominator


def itt_estimates(people: pd.DataFrame, design: Design) -> list[Estimate]:
    """Every treatment arm against control, for every outcome."""
    return [
        _estimate(people, outcome, arm, design) for outcome in OUTCOMES for arm in design.treatments
    ]


def _estimate(people: pd.DataFrame, outcome: Outcome, arm: str, design: Design) -> Estimate:
    data = people[(people["track"] == outcome.track) & people["arm"].isin([arm, design.control])]
    treated = (data["arm"] == arm).to_numpy(dtype=float)
    y = data[outcome.name].to_numpy(dtype=float)
    n_arm, n_control = int(treated.sum()), int(len(treated) - treated.sum())
    measure = "rate ratio" if outcome.model == "count" else "difference in means"
    base = Estimate(outcome, arm, design.control, n_arm, n_control, measure)
    if n_arm < 2 or n_control < 2:
        counts = f"{n_arm} in {arm}, {n_control} in {design.control}"
        return _note(base, f"too little data: {counts} (need at least 2 in each)")
    grouped = arm in design.grouped_arms and data["group"].notna().any()
    in_groups = data[(data["arm"] == arm) & data["group"].notna()]
    rate = in_groups[outcome.name] / in_groups["weeks"]
    group_icc = icc(rate, in_groups["group"]) if grouped else None
    means = float(y[treated == 1].mean()), float(y[treated == 0].mean())
    base = replace(base, icc=group_icc, mean_arm=means[0], mean_control=means[1])
    if outcome.model == "count" and (y[treated == 1].sum() == 0 or y[treated == 0].sum() == 0):
        return _note(base, f"not estimable: no {outcome.label.lower()} in one of the arms")
    if outcome.model == "continuous" and np.var(y) == 0:
        return _note(base, "not estimable: every participant has the same value")
    clusters = _clusters(data) if grouped else None
    if grouped:
        base = replace(base, clusters=int(in_groups["group"].nunique()))
    return _fit(base, y, treated, data["weeks"].to_numpy(dtype=float), clusters)


def _clusters(data: pd.DataFrame) -> np.ndarray:
    """Group ids for group members, a cluster of one for everyone else."""
    labels = [f"g{g}" if pd.notna(g) else f"p{i}" for i, g in enumerate(data["group"])]
    codes, _uniques = pd.factorize(pd.Series(labels))
    return np.asarray(codes)


def _fit(
    base: Estimate,
    y: np.ndarray,
    treated: np.ndarray,
    weeks: np.ndarray,
    clusters: np.ndarray | None,
) -> Estimate:
    exog = sm.add_constant(treated, has_constant="add")
    if clusters is not None:
        cov: dict[str, object] = {"cov_type": "cluster", "cov_kwds": {"groups": clusters}}
    else:
        cov = {"cov_type": "HC1"}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if base.outcome.model == "count":
                model = sm.GLM(y, exog, family=sm.families.Poisson(), offset=np.log(weeks))
            else:
                model = sm.OLS(y, exog)
            result = model.fit(**cov)
    except (ValueError, np.linalg.LinAlgError) as error:
        return _note(base, f"not estimable: {error}")
    coef, se = float(result.params[1]), float(result.bse[1])
    if not (math.isfinite(coef) and math.isfinite(se)):
        return _note(base, "not estimable: the model did not converge")
    # With clusters, the arm's information comes from its few groups: t with G − 1 degrees of
    # freedom (G = the arm's clusters) keeps the interval honest (Cameron & Miller 2015).
    df = len(set(clusters[treated == 1].tolist())) - 1 if clusters is not None else None
    critical = float(stats.t.ppf(0.975, df)) if df else float(stats.norm.ppf(0.975))
    tail = stats.t.sf(abs(coef / se), df) if df else stats.norm.sf(abs(coef / se))
    low, high, p_value = coef - critical * se, coef + critical * se, min(1.0, 2 * float(tail))
    if base.outcome.model == "count":
        coef, low, high = math.exp(coef), math.exp(low), math.exp(high)
    return replace(base, estimate=coef, low=low, high=high, p_value=p_value)


def _note(estimate: Estimate, note: str) -> Estimate:
    return replace(estimate, note=note)


def power_rows(
    people: pd.DataFrame,
    design: Design,
    estimates: Sequence[Estimate],
    effect_sizes: Sequence[float] = EFFECT_SIZES,
) -> list[PowerRow]:
    """The achieved power of each comparison, per track, for a range of effect sizes."""
    rows = []
    for track in ("savings", "jobsearch"):
        sample = people[people["track"] == track]
        n_control = int((sample["arm"] == design.control).sum())
        for arm in design.treatments:
            n_arm = int((sample["arm"] == arm).sum())
            deff = _design_effect(sample, arm, track, design, estimates)
            powers: list[float | None] = []
            for d in effect_sizes:
                effective = n_arm / deff
                if effective < 2 or n_control < 2:
                    powers.append(None)
                else:
                    powers.append(achieved_power(effective, d, ratio=n_control / effective))
            rows.append(PowerRow(arm, track, n_arm, n_control, deff, tuple(powers)))
    return rows


def _design_effect(
    sample: pd.DataFrame, arm: str, track: str, design: Design, estimates: Sequence[Estimate]
) -> float:
    if arm not in design.grouped_arms:
        return 1.0
    members = sample[(sample["arm"] == arm) & sample["group"].notna()]
    if members.empty:
        return 1.0
    size = float(members.groupby("group").size().mean())
    iccs = [e.icc for e in estimates if e.arm == arm and e.outcome.track == track and e.icc]
    return 1 + (size - 1) * max(0.0, max(iccs, default=0.0))
