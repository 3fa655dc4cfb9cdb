"""Age bands: contiguous age ranges used for stratification and for forming peer groups."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from experiments.protocol.errors import problem

__all__ = ["DEFAULT_AGE_BANDS", "AgeBand", "age_band_for", "age_in_year", "check_contiguous"]


class AgeBand(BaseModel):
    """An inclusive age range with a label such as "16-20"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(default="", pattern=r"^[A-Za-z0-9_+-]*$", max_length=32)
    min_age: int = Field(ge=0, le=130)
    max_age: int = Field(ge=0, le=130)

    @model_validator(mode="after")
    def _ordered_and_labelled(self) -> Self:
        if self.min_age > self.max_age:
            raise problem("must not be less than min_age", "max_age")
        if not self.label:
            # Frozen models can still be completed during their own validation.
            object.__setattr__(self, "label", f"{self.min_age}-{self.max_age}")
        return self

    def contains(self, age: int) -> bool:
        """Whether an age falls inside this band."""
        return self.min_age <= age <= self.max_age


DEFAULT_AGE_BANDS: tuple[AgeBand, ...] = tuple(
    AgeBand(min_age=low, max_age=high)
    for low, high in ((16, 20), (21, 25), (26, 35), (36, 49), (50, 67))
)


def check_contiguous(bands: Sequence[AgeBand]) -> list[tuple[int, str]]:
    """Problems (index, message) when bands overlap, leave gaps, repeat labels or are unsorted."""
    problems: list[tuple[int, str]] = []
    seen: set[str] = set()
    for index, band in enumerate(bands):
        if band.label in seen:
            problems.append((index, f"label {band.label!r} is used twice"))
        seen.add(band.label)
        if index == 0:
            continue
        previous = bands[index - 1]
        if band.min_age != previous.max_age + 1:
            kind = "overlaps" if band.min_age <= previous.max_age else "leaves a gap after"
            problems.append(
                (
                    index,
                    f"{kind} the band before it: min_age must be {previous.max_age + 1} "
                    "(bands run from young to old without gaps or overlaps)",
                )
            )
    return problems


def age_in_year(birth_year: int, on_date: date) -> int:
    """The age reached in the calendar year of `on_date` (only the birth year is known)."""
    return on_date.year - birth_year


def age_band_for(bands: Sequence[AgeBand], birth_year: int, on_date: date) -> str | None:
    """The label of the band holding the participant's age on a date, or None if none does."""
    age = age_in_year(birth_year, on_date)
    for band in bands:
        if band.contains(age):
            return band.label
    return None
