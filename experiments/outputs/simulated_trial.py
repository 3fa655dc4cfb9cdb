"""A simulated trial's raw rows with known effects, for the export, the report, tests and
benchmarks (no database, no bot); the design-level simulation for power is
`experiments.analysis.design_simulation`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from experiments.allocation import AllocationRecord, AllocationSequence, append_record
from experiments.outputs.export import RawTrial
from experiments.outputs.simulated_context import simulated_context
from experiments.protocol import load_instrument, stratum_key

__all__ = ["SimulatedTrial", "TrialSettings", "simulate_trial"]

_START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
_BANDS = ((16, 20), (21, 25), (26, 35), (36, 49), (50, 67))


@dataclass(frozen=True)
class TrialSettings:
    """What to simulate; `effects` are rate ratios against control (1.0 when left out)."""

    participants: int = 300
    weights: Mapping[str, int] = field(default_factory=lambda: {"peer": 1, "text": 1, "control": 1})
    effects: Mapping[str, float] = field(default_factory=dict)
    grouped_arms: Sequence[str] = ()
    group_size: int = 12
    group_sd: float = 0.0
    weeks: float = 12.0
    enrollment_days: float = 28.0
    deposit_rate: float = 1.0
    application_rate: float = 1.5
    mean_deposit_eur: float = 10.0
    dispersion: float = 0.3
    savings_share: float = 0.5
    sites: Sequence[str] = ("Utrecht", "Zwolle")
    encouraged_arms: Sequence[str] = ("text",)
    not_allocated_share: float = 0.03
    lost_share: float = 0.06
    surveys: bool = True
    seed: int = 1
    # Follow-up questionnaires (days after allocation) and what the arms do to them: a shift of
    # the scale score per arm, the share who complete each wave (per arm, else `completion`).
    followup_days: Sequence[float] = (42.0, 84.0)
    score_effects: Mapping[str, float] = field(default_factory=dict)
    completion: float = 0.8
    completion_by_arm: Mapping[str, float] = field(default_factory=dict)
    # Placement (a job or a training) among jobseekers: the control arm's share over the
    # follow-up, and risk ratios per arm (1.0 when left out).
    placement_share: float = 0.2
    placement_effects: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class SimulatedTrial:
    """The simulated rows and the truth they were drawn from."""

    raw: RawTrial
    settings: TrialSettings

    def rate_ratio(self, arm: str) -> float:
        """The true rate ratio of deposits (and applications) against control."""
        return float(self.settings.effects.get(arm, 1.0))

    def saved_difference(self, arm: str) -> float:
        """The true difference in mean euros saved over the simulated follow-up."""
        s = self.settings
        mean_weeks = s.weeks + s.enrollment_days / 7 / 2
        return s.deposit_rate * s.mean_deposit_eur * mean_weeks * (self.rate_ratio(arm) - 1)


def simulate_trial(settings: TrialSettings | None = None) -> SimulatedTrial:
    """Participants allocated by permuted blocks, with arm-dependent deposits and applications."""
    s = settings or TrialSettings()
    rng = np.random.default_rng(s.seed)
    n = s.participants
    ids = np.arange(1, n + 1)
    days = pd.to_timedelta(np.sort(rng.uniform(0, s.enrollment_days, n)), unit="D")
    enrolled = _START + days.round("s")
    as_of = _START + timedelta(days=s.enrollment_days + 7 * s.weeks)
    band_index = rng.integers(0, len(_BANDS), n)
    ages = np.array([rng.integers(*_BANDS[b], endpoint=True) for b in band_index])
    people = pd.DataFrame(
        {
            "id": ids,
            "site_id": rng.integers(1, len(s.sites) + 1, n),
            "language": rng.choice(["nl", "en"], n, p=[0.8, 0.2]),
            "consent_version": "2026-01",
            "consented_at": enrolled,
            "step": "done",
            "birth_year": 2026 - ages,
            "age_band": [f"{_BANDS[b][0]}-{_BANDS[b][1]}" for b in band_index],
            "track": np.where(rng.random(n) < s.savings_share, "savings", "jobsearch"),
            "status": "active",
        }
    )
    savers = people["track"] == "savings"
    people["commitment_cents"] = pd.Series(np.where(savers, 1000, np.nan)).astype("Int64")
    people["commitment_applications"] = pd.Series(np.where(savers, np.nan, 3)).astype("Int64")
    people["goal_target_cents"] = pd.Series([pd.NA] * n, dtype="Int64")
    _allocate(people, s, rng)
    _lose(people, s, rng, as_of)
    groups, memberships, group_effect = _groups(people, s, rng)
    frames = {
        "sites": pd.DataFrame({"id": range(1, len(s.sites) + 1), "name": list(s.sites)}),
        "consent_refusals": pd.DataFrame({"site_id": [1], "count": [max(1, n // 50)]}),
        "participants": people,
        "allocations": _allocation_log(people),
        "events": _events(people, s, rng, as_of, group_effect),
        "survey_answers": _surveys(people, rng) if s.surveys else None,
        "messages": _messages(people, s, as_of),
        "groups": groups,
        "memberships": memberships,
    }
    # Later additions draw from their own generator, so the draws above stay as they were.
    extra = np.random.default_rng([s.seed, 2])
    if s.surveys and frames["survey_answers"] is not None:
        followups = _followups(people, frames["survey_answers"], s, extra, as_of, group_effect)
        frames["survey_answers"] = pd.concat([frames["survey_answers"], followups])
    frames["events"] = _placements(people, frames["events"], s, extra, as_of)
    if s.surveys and frames["survey_answers"] is not None:
        context = simulated_context(people, np.random.default_rng([s.seed, 3]))
        frames["survey_answers"] = pd.concat([frames["survey_answers"], context])
    raw = RawTrial(as_of, {k: v for k, v in frames.items() if v is not None})
    return SimulatedTrial(raw, s)


def _allocate(people: pd.DataFrame, s: TrialSettings, rng: np.random.Generator) -> None:
    allocated = rng.random(len(people)) >= s.not_allocated_share
    people.loc[~allocated, "step"] = "baseline"
    sites = dict(enumerate(s.sites, start=1))
    strata = [
        stratum_key(track, band, sites[site], ("track", "age_band", "site"))
        for track, band, site in zip(
            people["track"], people["age_band"], people["site_id"], strict=True
        )
    ]
    sequences: dict[str, AllocationSequence] = {}
    positions: dict[str, int] = {}
    arms: list[str | None] = []
    for stratum, take in zip(strata, allocated, strict=True):
        if not take:
            arms.append(None)
            continue
        sequence = sequences.setdefault(
            stratum, AllocationSequence(f"simulated-{s.seed}", stratum, dict(s.weights))
        )
        arms.append(sequence.arm_at(positions.get(stratum, 0)))
        positions[stratum] = positions.get(stratum, 0) + 1
    people["stratum"] = [st if arm else None for st, arm in zip(strata, arms, strict=True)]
    people["arm"] = arms
    people["allocated_at"] = people["consented_at"].where(allocated) + timedelta(minutes=10)


def _lose(people: pd.DataFrame, s: TrialSettings, rng: np.random.Generator, end: datetime) -> None:
    """Some withdraw, some block the bot, a few ask for erasure; all stay in the ITT sample."""
    draw = rng.random(len(people))
    moment = people["allocated_at"] + (end - people["allocated_at"]) * rng.random(len(people))
    share = s.lost_share / 3
    lost = people["arm"].notna()
    people["withdrawn_at"] = moment.where(lost & (draw < share))
    people["unreachable_since"] = moment.where(lost & (draw >= share) & (draw < 2 * share))
    people["erased_at"] = moment.where(lost & (draw >= 2 * share) & (draw < 3 * share))
    people["paused_at"] = pd.Series([pd.NaT] * len(people), dtype="datetime64[us, UTC]")
    people.loc[people["withdrawn_at"].notna(), "status"] = "withdrawn"
    people.loc[people["erased_at"].notna(), "status"] = "erased"


def _groups(
    people: pd.DataFrame, s: TrialSettings, rng: np.random.Generator
) -> tuple[pd.DataFrame | None, pd.DataFrame | None, np.ndarray]:
    effect = np.ones(len(people))
    if not s.grouped_arms:
        return None, None, effect
    rows: list[tuple[object, ...]] = []
    members: list[tuple[object, ...]] = []
    grouped = people[people["arm"].isin(list(s.grouped_arms))]
    for (track, band), pool in grouped.groupby(["track", "age_band"], sort=True):
        for start in range(0, len(pool), s.group_size):
            chunk = pool.iloc[start : start + s.group_size]
            group_id = len(rows) + 1
            formed = chunk["allocated_at"].max()
            rows.append((group_id, track, band, formed))
            members += [(group_id, pid, formed) for pid in chunk["id"]]
            shock = float(np.exp(rng.normal(0, s.group_sd) - s.group_sd**2 / 2))
            effect[chunk.index.to_numpy()] = shock
    groups = pd.DataFrame(rows, columns=["id", "track", "age_band", "formed_at"])
    memberships = pd.DataFrame(members, columns=["group_id", "participant_id", "joined_at"])
    return groups, memberships, effect


def _allocation_log(people: pd.DataFrame) -> pd.DataFrame:
    allocated = people[people["arm"].notna()].sort_values("allocated_at")
    previous: AllocationRecord | None = None
    records = []
    positions: dict[str, int] = {}
    for pid, stratum, arm, moment in zip(
        allocated["id"], allocated["stratum"], allocated["arm"], allocated["allocated_at"],
        strict=True,
    ):  # fmt: skip
        position = positions.get(stratum, 0)
        positions[stratum] = position + 1
        previous = append_record(
            previous,
            participant_id=int(pid),
            stratum=stratum,
            position=position,
            arm=arm,
            allocated_at=moment.to_pydatetime(),
        )
        records.append(previous)
    return pd.DataFrame([_row(record) for record in records], columns=_LOG_COLUMNS)


_LOG_COLUMNS = ["sequence", "participant_id", "stratum", "position", "arm", "allocated_at"]
_LOG_COLUMNS += ["prev_hash", "hash"]


def _row(record: AllocationRecord) -> tuple[object, ...]:
    return tuple(getattr(record, name) for name in _LOG_COLUMNS)


def _events(
    people: pd.DataFrame,
    s: TrialSettings,
    rng: np.random.Generator,
    end: datetime,
    group_effect: np.ndarray,
) -> pd.DataFrame:
    allocated = people["arm"].notna().to_numpy()
    start = people["allocated_at"].where(allocated, end)
    weeks = ((end - start).dt.total_seconds() / 604_800).to_numpy()
    effect = people["arm"].map(lambda arm: s.effects.get(arm, 1.0) if arm else 0.0).to_numpy()
    shape = 1 / s.dispersion if s.dispersion > 0 else np.inf
    frailty = rng.gamma(shape, 1 / shape, len(people)) if s.dispersion > 0 else 1.0
    savers = (people["track"] == "savings").to_numpy()
    rate = np.where(savers, s.deposit_rate, s.application_rate)
    counts = rng.poisson(rate * effect * frailty * group_effect * weeks)
    owner = np.repeat(np.arange(len(people)), counts)
    naive = start.dt.tz_convert(UTC).dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    spread = (rng.random(len(owner)) * weeks[owner] * 604_800).astype("timedelta64[s]")
    when = pd.DatetimeIndex(naive[owner] + spread).tz_localize(UTC)
    saver = savers[owner]
    cents = np.maximum(100, np.round(rng.gamma(2.0, s.mean_deposit_eur * 50, len(owner))))
    events = pd.DataFrame(
        {
            "participant_id": people["id"].to_numpy()[owner],
            "kind": np.where(saver, "deposit", "applied"),
            "amount_cents": pd.Series(np.where(saver, cents, np.nan)).astype("Int64"),
            "quantity": pd.Series(np.where(saver, np.nan, 1)).astype("Int64"),
            "detail": [{} for _ in range(len(owner))],
            "occurred_at": when,
            "source": "simulated",
            "corrects_event_id": pd.Series([pd.NA] * len(owner), dtype="Int64"),
        }
    ).sort_values("occurred_at", kind="stable")
    events.insert(0, "id", np.arange(1, len(events) + 1))
    return events.reset_index(drop=True)


def _surveys(people: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    frames = []
    for instrument_id, track in (("gse", None), ("fse", "savings"), ("jsse", "jobsearch")):
        instrument = load_instrument(instrument_id)
        who = people if track is None else people[people["track"] == track]
        low, high = instrument.min_answer, instrument.max_answer
        for item in instrument.item_ids:
            frames.append(
                pd.DataFrame(
                    {
                        "participant_id": who["id"],
                        "wave": "baseline",
                        "instrument": instrument_id,
                        "item": item,
                        "value": rng.integers(low, high, len(who), endpoint=True),
                        "answered_at": who["consented_at"] + timedelta(minutes=5),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def _messages(people: pd.DataFrame, s: TrialSettings, end: datetime) -> pd.DataFrame:
    allocated = people[people["arm"].notna()]
    frames = [_sent(allocated, "allocation", allocated["allocated_at"])]
    encouraged = allocated[allocated["arm"].isin(list(s.encouraged_arms))]
    for week in range(2, int(s.weeks) + 1, 2):
        moment = encouraged["allocated_at"] + timedelta(weeks=week)
        frames.append(_sent(encouraged[moment < end], "encouragement", moment[moment < end]))
    return pd.concat(frames, ignore_index=True)


def _sent(who: pd.DataFrame, kind: str, moment: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "participant_id": who["id"].to_numpy(),
            "kind": kind,
            "status": "sent",
            "chat_type": "private",
            "created_at": moment.reset_index(drop=True),
            "sent_at": (moment + timedelta(seconds=2)).reset_index(drop=True),
        }
    )


def _followups(
    people: pd.DataFrame,
    baseline: pd.DataFrame,
    s: TrialSettings,
    rng: np.random.Generator,
    end: datetime,
    group_effect: np.ndarray,
) -> pd.DataFrame:
    """Follow-up answers that lean on each person's baseline answers, shifted per arm."""
    arms = people.set_index("id")["arm"]
    allocated = people.set_index("id")["allocated_at"]
    shock = pd.Series(np.log(group_effect), index=people["id"])
    frames = []
    for wave, days in enumerate(s.followup_days, start=1):
        due = allocated + timedelta(days=days)
        person_draw = pd.Series(rng.random(len(people)), index=people["id"])
        for instrument_id, answers in baseline.groupby("instrument", sort=True):
            instrument = load_instrument(str(instrument_id))
            low, high = instrument.min_answer, instrument.max_answer
            items = len(instrument.item_ids)
            who = answers["participant_id"]
            arm = who.map(arms)
            share = arm.map(lambda a: s.completion_by_arm.get(a, s.completion) if a else 0.0)
            keep = (who.map(due) <= end).to_numpy() & (arm.notna()).to_numpy()
            keep &= (who.map(person_draw) < share).to_numpy()
            shift = arm.map(lambda a: s.score_effects.get(a, 0.0) if a else 0.0) / items
            middle = (low + high) / 2
            latent = (
                0.6 * answers["value"].to_numpy(dtype=float)
                + 0.4 * middle
                + shift.to_numpy(dtype=float)
                + who.map(shock).to_numpy(dtype=float)
                + rng.normal(0, 0.5, len(answers))
            )
            value = np.clip(np.round(latent), low, high).astype(int)
            frame = pd.DataFrame(
                {
                    "participant_id": who.to_numpy(),
                    "wave": f"followup-{wave}",
                    "instrument": instrument_id,
                    "item": answers["item"].to_numpy(),
                    "value": value,
                    "answered_at": who.map(due).to_numpy(),
                }
            )
            frames.append(frame[keep])
    if not frames:
        return baseline.iloc[0:0]
    return pd.concat(frames, ignore_index=True)


def _placements(
    people: pd.DataFrame, events: pd.DataFrame, s: TrialSettings, rng: np.random.Generator,
    end: datetime,
) -> pd.DataFrame:  # fmt: skip
    """A job or a training for some jobseekers, at a random moment of their follow-up."""
    seekers = people[(people["track"] == "jobsearch") & people["arm"].notna()]
    if seekers.empty or s.placement_share <= 0:
        return events
    ratio = seekers["arm"].map(lambda a: s.placement_effects.get(a, 1.0)).to_numpy(dtype=float)
    placed = rng.random(len(seekers)) < np.minimum(1.0, s.placement_share * ratio)
    who = seekers[placed]
    moment = who["allocated_at"] + (end - who["allocated_at"]) * rng.random(len(who))
    kinds = rng.choice(["job", "training"], len(who))
    rows = pd.DataFrame(
        {
            "id": np.arange(len(events) + 1, len(events) + len(who) + 1),
            "participant_id": who["id"].to_numpy(),
            "kind": kinds,
            "amount_cents": pd.Series([pd.NA] * len(who), dtype="Int64"),
            "quantity": pd.Series([1] * len(who), dtype="Int64"),
            "detail": [{} for _ in range(len(who))],
            "occurred_at": moment.to_numpy(),
            "source": "simulated",
            "corrects_event_id": pd.Series([pd.NA] * len(who), dtype="Int64"),
        }
    )
    rows["occurred_at"] = pd.to_datetime(rows["occurred_at"], utc=True)
    return pd.concat([events, rows], ignore_index=True)
