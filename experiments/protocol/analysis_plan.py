"""The protocol's `[analysis]` section: the pre-specified statistical analysis plan."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from experiments.protocol.context_items import reference_column
from experiments.protocol.durations import PositiveDuration
from experiments.protocol.errors import problem
from experiments.protocol.estimands import (
    EventStrategy,
    IntercurrentEvent,
    Interim,
    estimand_problems,
)
from experiments.protocol.lasting import lasting_outcome, lasting_outcome_names, wave_times
from experiments.protocol.linkage import linked_outcome
from experiments.protocol.outcomes import (
    EVENT_OUTCOMES,
    QUESTIONNAIRE_LABELS,
    OutcomeSpec,
    event_outcome,
)
from experiments.protocol.sections import STRATIFIERS, Component

if TYPE_CHECKING:
    from experiments.protocol.document import Protocol

__all__ = [
    "AnalysisPlan",
    "DegreesOfFreedom",
    "Factorial",
    "Subgroup",
    "follow_up_wave",
    "plan_problems",
    "resolve_outcome",
]

# The t reference of the model contrasts: G − 1 for a contrast involving an arm with peer groups
# (n − k for the others), or every contrast's Satterthwaite degrees of freedom for CR2: Bell and
# McCaffrey's, independent errors as the working model (Pustejovsky & Tipton 2018; R
# clubSandwich), or Imbens and Kolesár's, errors correlated within groups as the residuals say
# (Imbens & Kolesár 2016; R dfadjust).
DegreesOfFreedom = Literal["groups_minus_one", "satterthwaite", "imbens_kolesar"]


class Factorial(BaseModel):
    """A factorial design: each factor is an intervention component an arm has or lacks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    factors: tuple[Component, ...] = Field(min_length=2, max_length=2)
    interaction: bool = True


class Subgroup(BaseModel):
    """A pre-specified subgroup analysis of the primary outcome: does the effect differ between
    levels of a baseline context item (`instrument.item`)? Each level names the answers that put
    someone in it; the first level is the reference. People in no level (prefer not to say, not
    answered) are left out of this analysis only."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1)
    item: str = Field(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
    levels: dict[str, tuple[int, ...]] = Field(min_length=2)

    def level_of(self, value: object) -> str | None:
        """The level an answer puts someone in, or None."""
        for level, values in self.levels.items():
            if value in values:
                return level
        return None


class AnalysisPlan(BaseModel):
    """One primary outcome, secondaries, the estimand, alpha, window, multiplicity, covariates."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    estimand: Literal["ITT"] = "ITT"
    primary: str = Field(min_length=1)
    secondary: tuple[str, ...] = ()
    alpha: float = Field(default=0.05, gt=0, lt=0.5)
    follow_up: PositiveDuration = timedelta(days=84)
    multiplicity: Literal["dunnett", "bonferroni"] = "bonferroni"
    secondary_multiplicity: Literal["holm"] = "holm"
    # the stratification factors, and any baseline context item as `instrument.item`
    covariates: tuple[str, ...] = ("track", "age_band", "site")
    baseline_covariate: bool = True
    secondary_contrasts: tuple[tuple[str, str], ...] = ()
    factorial: Factorial | None = None
    # The estimand decisions `study check` requires (experiments.protocol.estimands): a strategy
    # per intercurrent event, the subgroups (a list, or "none"), the rule for interim looks.
    intercurrent_events: dict[IntercurrentEvent, EventStrategy] | None = None
    subgroups: tuple[Subgroup, ...] | Literal["none"] | None = None
    interim: Interim | None = None
    degrees_of_freedom: DegreesOfFreedom = "satterthwaite"
    # The assumptions behind the sample size (`lotgenoot power --protocol`, the registration).
    effect_size: float = Field(default=0.5, gt=0, le=3)
    power: float = Field(default=0.8, gt=0, lt=1)
    icc: float = Field(default=0.05, ge=0, lt=1)
    participants: int = Field(default=300, ge=6)
    # The primary's effect on its own scale: a count's rate ratio over control (events per week
    # in control, the person-level gamma variance), a binary outcome's risk ratio (control's
    # risk). Left out, the standardized effect_size is converted (`power_assumptions`).
    rate_ratio: float | None = Field(default=None, gt=0)
    base_rate: float = Field(default=1.0, gt=0)
    dispersion: float = Field(default=0.3, ge=0)
    risk_ratio: float | None = Field(default=None, gt=0)
    base_risk: float = Field(default=0.2, gt=0, lt=1)
    # The share of participants in the primary outcome's track, when only one track records it
    # (deposits: savings): only they are in its analysis.
    track_share: float = Field(default=0.5, gt=0, le=1)
    # A pilot is not powered for its primary contrasts: `study check` and the plan say so.
    pilot: bool = False
    pilot_reason: str = ""

    @field_validator("secondary")
    @classmethod
    def _each_once(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise problem("lists an outcome twice")
        return value

    @property
    def outcomes(self) -> tuple[str, ...]:
        """The primary outcome, then the secondaries."""
        return (self.primary, *self.secondary)

    @property
    def subgroup_analyses(self) -> tuple[Subgroup, ...]:
        """The pre-specified subgroup analyses (none when the plan says "none" or nothing)."""
        return self.subgroups if isinstance(self.subgroups, tuple) else ()

    def strategy(self, event: str, role: str) -> str | None:
        """The strategy the plan gives an intercurrent event in a role (primary, sensitivity,
        supplementary), or None."""
        decided = (self.intercurrent_events or {}).get(event)  # type: ignore[call-overload]
        return getattr(decided, role) if decided is not None else None

    @property
    def covariate_columns(self) -> tuple[str, ...]:
        """The analysis columns of the covariates (`context.debts` is `context_debts`)."""
        return tuple(reference_column(name) for name in self.covariates)


def resolve_outcome(name: str, protocol: Protocol) -> OutcomeSpec | None:
    """The outcome the bot records under this name in this protocol, or None if it records none.

    Event outcomes come from what participants log; a questionnaire outcome is an instrument the
    protocol asks both at baseline and at follow-up.
    """
    spec = event_outcome(name) or lasting_outcome(name, protocol) or linked_outcome(name, protocol)
    if spec is not None:
        return spec
    plan = protocol.questionnaires
    if name in plan.baseline and name in plan.follow_up and plan.instrument(name).scored:
        tracks = plan.tracks.get(name)
        track = tracks[0] if tracks and len(tracks) == 1 else None
        label = QUESTIONNAIRE_LABELS.get(name, name.upper())
        return OutcomeSpec(name, label, "questionnaire", track, f"survey_scores: {name}")
    return None


def _known(protocol: Protocol) -> list[str]:
    plan = protocol.questionnaires
    asked = [i for i in plan.follow_up if i in plan.baseline and plan.instrument(i).scored]
    linked = [outcome.name for outcome in protocol.linkage.outcomes]
    return [spec.name for spec in EVENT_OUTCOMES] + lasting_outcome_names(protocol) + asked + linked


# columns of the analysis frame a registry outcome's column must not overwrite
_FRAME_COLUMNS = frozenset(
    {"pseudonym", "arm", "track", "age_band", "site", "allocated_at", "exposure", "lost", "group"}
)
_FRAME_AFFIXES = ("baseline_", "followup", "answered_", "context_", "exposure_")


def linkage_problems(protocol: Protocol) -> Iterator[tuple[str, str]]:
    """A registry outcome named like one the bot records itself would be ambiguous."""
    own = {spec.name for spec in EVENT_OUTCOMES} | set(lasting_outcome_names(protocol))
    own |= set(protocol.questionnaires.baseline) | set(protocol.questionnaires.follow_up)
    for index, outcome in enumerate(protocol.linkage.outcomes):
        name = outcome.name
        if name in _FRAME_COLUMNS or name.startswith(_FRAME_AFFIXES) or name.endswith("_loss"):
            yield (
                f"linkage.outcomes[{index}].name",
                f"{name!r} is a column of the analysis data already: choose another name",
            )
        elif name in own or name.endswith("_after_end"):
            yield (
                f"linkage.outcomes[{index}].name",
                f"{outcome.name!r} is an outcome the bot records itself: choose another name",
            )


def plan_problems(protocol: Protocol) -> Iterator[tuple[str, str]]:
    """Every inconsistency between the analysis plan and the rest of the protocol."""
    yield from linkage_problems(protocol)
    plan = protocol.analysis
    if plan is None:
        return
    known = ", ".join(_known(protocol))
    for path, name in [("analysis.primary", plan.primary)] + [
        (f"analysis.secondary[{i}]", n) for i, n in enumerate(plan.secondary)
    ]:
        spec = resolve_outcome(name, protocol)
        if spec is None:
            yield path, f"{name!r} is not something the bot records (outcomes: {known})"
        elif spec.kind == "questionnaire" and not _wave_for(protocol, plan.follow_up):
            yield path, "a questionnaire outcome needs a follow-up survey within analysis.follow_up"
    if plan.primary in plan.secondary:
        yield "analysis.secondary", f"{plan.primary!r} is already the primary outcome"
    for index, name in enumerate(plan.covariates):
        if "." in name:
            found = _context_item_problem(protocol, name)
            if found:
                yield f"analysis.covariates[{index}]", found
        elif name not in STRATIFIERS:
            yield (
                f"analysis.covariates[{index}]",
                f"{name!r} is no stratification factor ({', '.join(STRATIFIERS)}) nor a context "
                "item (instrument.item)",
            )
    for index, subgroup in enumerate(plan.subgroup_analyses):
        yield from _subgroup_problems(protocol, index, subgroup)
    yield from _power_problems(protocol, plan)
    yield from estimand_problems(protocol, plan)
    missing = [f for f in protocol.stratification.by if f not in plan.covariates]
    if missing:
        yield (
            "analysis.covariates",
            (f"must include every stratification factor (missing: {', '.join(missing)})"),
        )
    arms = [arm.name for arm in protocol.arms]
    for index, pair in enumerate(plan.secondary_contrasts):
        for arm in pair:
            if arm not in arms:
                yield f"analysis.secondary_contrasts[{index}]", f"no arm {arm!r}"
        if len(set(pair)) != 2:
            yield f"analysis.secondary_contrasts[{index}]", "needs two different arms"
    if plan.factorial is not None:
        yield from _factorial_problems(protocol, plan.factorial)


def _context_item_problem(protocol: Protocol, reference: str) -> str | None:
    """Why `instrument.item` cannot adjust or split the analysis, or None if it can: it must be
    a single-choice or yes/no item of a context instrument asked at baseline."""
    instrument_id, _dot, item_id = reference.partition(".")
    plan = protocol.questionnaires
    if instrument_id not in plan.baseline:
        return f"{instrument_id!r} is not asked at baseline"
    instrument = plan.instrument(instrument_id)
    if instrument.kind != "context":
        return f"{instrument_id!r} is a scale: name an item of a context instrument"
    item = instrument.item_by_id.get(item_id)
    if item is None:
        return f"{instrument_id} has no item {item_id!r} (it has {', '.join(instrument.item_ids)})"
    if item.type not in ("single", "yes_no"):
        return f"{reference} is a {item.type} item: name a single-choice or yes/no item"
    return None


def _subgroup_problems(
    protocol: Protocol, index: int, subgroup: Subgroup
) -> Iterator[tuple[str, str]]:
    path = f"analysis.subgroups[{index}]"
    found = _context_item_problem(protocol, subgroup.item)
    if found:
        yield f"{path}.item", found
        return
    instrument_id, _dot, item_id = subgroup.item.partition(".")
    instrument = protocol.questionnaires.instrument(instrument_id)
    offered = {o.value for o in instrument.options(instrument.item_by_id[item_id])}
    seen: set[int] = set()
    for level, values in subgroup.levels.items():
        for value in values:
            if value not in offered:
                yield f"{path}.levels.{level}", f"{subgroup.item} has no answer {value}"
            elif value in seen:
                yield f"{path}.levels.{level}", f"answer {value} is in two levels"
            seen.add(value)
        if not values:
            yield f"{path}.levels.{level}", "names no answers"
    names = [s.name for s in protocol.analysis.subgroup_analyses] if protocol.analysis else []
    if subgroup.name in names[:index]:
        yield f"{path}.name", f"{subgroup.name!r} is used twice"


def _power_problems(protocol: Protocol, plan: AnalysisPlan) -> Iterator[tuple[str, str]]:
    if plan.pilot and not plan.pilot_reason.strip():
        yield "analysis.pilot_reason", "a pilot says why it is not powered (pilot_reason)"
    if plan.pilot_reason.strip() and not plan.pilot:
        yield "analysis.pilot_reason", "is only for a pilot (set pilot = true, or remove it)"
    spec = resolve_outcome(plan.primary, protocol)
    kind = spec.kind if spec is not None else None
    for name, value, wanted in (
        ("rate_ratio", plan.rate_ratio, "count"),
        ("risk_ratio", plan.risk_ratio, "binary"),
    ):
        if value is not None and kind is not None and kind != wanted:
            yield f"analysis.{name}", f"is for a {wanted} primary outcome; {plan.primary} is {kind}"
        elif value == 1:
            yield f"analysis.{name}", "1 is no effect: give the ratio the trial is powered for"
    if kind == "binary" and plan.risk_ratio is not None and plan.risk_ratio * plan.base_risk >= 1:
        yield "analysis.risk_ratio", "times base_risk must stay below 1"


def _factorial_problems(protocol: Protocol, factorial: Factorial) -> Iterator[tuple[str, str]]:
    first, second = factorial.factors
    if first == second:
        yield "analysis.factorial.factors", "needs two different components"
        return
    cells = {(arm.has(first), arm.has(second)) for arm in protocol.arms}
    if len(cells) != 4 or len(protocol.arms) != 4:
        yield (
            "analysis.factorial.factors",
            (f"the four arms must cover every combination of {first} and {second}"),
        )


def _wave_for(protocol: Protocol, follow_up: timedelta) -> int | None:
    times = [t for t in wave_times(protocol.schedule) if t <= follow_up]
    return len(times) if times else None


def follow_up_wave(protocol: Protocol) -> int | None:
    """The follow-up survey (1, 2, …) the plan analyses: the last one within the window."""
    plan = protocol.analysis
    return _wave_for(protocol, plan.follow_up) if plan is not None else None
