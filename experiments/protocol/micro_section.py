"""`[micro_randomization]`: which nudge components are randomized per decision point, and how.

The draws, decision points and their check live in `experiments.micro.randomization`.
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from experiments.protocol.durations import PositiveDuration
from experiments.protocol.errors import problem
from experiments.protocol.templates import Language, LocalizedText

__all__ = ["COVARIATES", "MICRO_COMPONENTS", "MicroComponent", "MicroRandomization"]

MicroComponentName = Literal["reminder", "encouragement", "prompt"]
MICRO_COMPONENTS: tuple[MicroComponentName, ...] = ("reminder", "encouragement", "prompt")
ProximalOutcome = Literal["deposit", "application", "either"]
OutcomeScale = Literal["binary", "count"]
# Covariates the export can add to each decision (all measured before the decision).
Covariate = Literal["week", "day", "track", "age_band", "site", "prior_outcome", "prior_sent"]
COVARIATES: tuple[Covariate, ...] = (
    "week",
    "day",
    "track",
    "age_band",
    "site",
    "prior_outcome",
    "prior_sent",
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MicroComponent(_Section):
    """One micro-randomized component: its probability per week (the last holds after)."""

    component: MicroComponentName
    probability: tuple[float, ...] = Field(min_length=1)

    @field_validator("probability", mode="before")
    @classmethod
    def _listed(cls, value: object) -> object:
        return (value,) if isinstance(value, int | float) else value

    @field_validator("probability")
    @classmethod
    def _strictly_between(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        # 0 and 1 would leave a week without contrast (and the estimators divide by p(1 - p)).
        for index, p in enumerate(value):
            if not 0.05 <= p <= 0.95:
                raise problem("each probability must be between 0.05 and 0.95", f"[{index}]")
        return value

    def probability_in_week(self, week: int) -> float:
        """The randomization probability in week `week` (1, 2, …)."""
        return self.probability[min(max(week, 1), len(self.probability)) - 1]


class MicroRandomization(_Section):
    """`[micro_randomization]`: which components are randomized per decision point, where.

    The arms listed get each component at every decision point with its probability instead of
    on the usual schedule; arm contrasts then compare the arms as delivered at that probability.
    """

    arms: tuple[str, ...] = Field(min_length=1)
    components: tuple[MicroComponent, ...]
    decision_times: tuple[time, ...] = Field(default=(time(18, 0),), min_length=1)
    days: int = Field(default=42, ge=1, le=366)
    outcome: ProximalOutcome = "deposit"
    scale: OutcomeScale = "binary"
    window: PositiveDuration = timedelta(hours=24)
    min_gap: PositiveDuration = timedelta(hours=12)
    covariates: tuple[Covariate, ...] = ("week", "prior_outcome")
    prompt: LocalizedText | None = None
    # p-tilde of the excursion estimators (MRTAnalysis' rand_prob_tilde): unset, each decision's
    # own probability (a p(1 - p)-weighted average over weeks); a number, every week weighs alike
    numerator_probability: float | None = Field(default=None, gt=0, lt=1)

    @field_validator("decision_times")
    @classmethod
    def _ordered(cls, value: tuple[time, ...]) -> tuple[time, ...]:
        if any(moment.tzinfo is not None for moment in value):
            raise problem("decision times are local study times, without a zone")
        if len(set(value)) != len(value) or list(value) != sorted(value):
            raise problem("list each decision time once, earliest first")
        return value

    @field_validator("window")
    @classmethod
    def _short(cls, value: timedelta) -> timedelta:
        if value > timedelta(days=7):
            raise problem("a proximal outcome's window is at most 7 days (e.g. PT24H or PT72H)")
        return value

    @field_validator("covariates")
    @classmethod
    def _each_once(cls, value: tuple[Covariate, ...]) -> tuple[Covariate, ...]:
        if len(set(value)) != len(value):
            raise problem("lists a covariate twice")
        return value

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        names = [item.component for item in self.components]
        if not names:
            raise problem("name at least one component to micro-randomize", "components")
        if len(set(names)) != len(names):
            raise problem("lists a component twice", "components")
        if "prompt" in names and self.prompt is None:
            raise problem("the prompt component needs its text ([micro_randomization.prompt])")
        if len(set(self.arms)) != len(self.arms):
            raise problem("lists an arm twice", "arms")
        return self

    def component(self, name: str) -> MicroComponent | None:
        """The micro-randomized component of this name, if any."""
        for item in self.components:
            if item.component == name:
                return item
        return None

    def weeks(self) -> int:
        """How many (possibly partial) weeks each participant's decision points span."""
        return (self.days + 6) // 7

    def prompt_text(self, language: Language) -> str:
        assert self.prompt is not None
        return self.prompt.text(language)
