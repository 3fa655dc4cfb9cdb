"""Registry outcomes without identities: the protocol's `[linkage]` section and its values.

A municipality (or UWV) hands a trusted third party its records keyed by enrollment code; the
third party turns codes into pseudonyms (`lotgenoot linkage export`) and hands the researchers
one row per pseudonym with the outcomes this section declares. Each outcome has a name (its
CSV column), a type (`date`, `yes_no` or `number`) and the source it comes from, e.g.

    [[linkage.outcomes]]
    name = "benefit_end"
    type = "date"
    source = "municipality"
    label = "Benefit ended (date)"

As an analysis outcome a `date` counts as "happened within the window" (binary), a `yes_no`
as binary, a `number` as a difference in means.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from experiments.protocol.errors import problem
from experiments.protocol.outcomes import OutcomeSpec

if TYPE_CHECKING:
    from experiments.protocol.document import Protocol

__all__ = [
    "ADMINISTRATIVE",
    "Linkage",
    "LinkedOutcome",
    "LinkedType",
    "LinkedValue",
    "linked_outcome",
    "parse_linked_value",
]

LinkedType = Literal["date", "yes_no", "number"]
LinkedValue = date | bool | float
# `events.source` of an outcome that came from a registry rather than from the person
ADMINISTRATIVE: Final = "administrative"
_YES: Final = frozenset({"yes", "ja", "y", "j", "1", "true"})
_NO: Final = frozenset({"no", "nee", "n", "0", "false"})
_NUMBER = re.compile(r"^-?\d{1,12}([.,]\d{1,6})?$")


class LinkedOutcome(BaseModel):
    """One administrative outcome: its column name, type, where it comes from, and its label."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    type: LinkedType
    # a short token (it is exported as detail_origin): "municipality", "uwv", "debt_help"
    source: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,39}$")
    label: str = ""

    @field_validator("name")
    @classmethod
    def _not_the_key(cls, value: str) -> str:
        if value == "pseudonym":
            raise problem("'pseudonym' is the key column, not an outcome")
        return value

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()


class Linkage(BaseModel):
    """The registry outcomes a linkage import may bring in (none: no import is accepted)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    outcomes: tuple[LinkedOutcome, ...] = ()

    @field_validator("outcomes")
    @classmethod
    def _each_once(cls, value: tuple[LinkedOutcome, ...]) -> tuple[LinkedOutcome, ...]:
        names = [outcome.name for outcome in value]
        if len(set(names)) != len(names):
            raise problem("names an outcome twice")
        return value

    def outcome(self, name: str) -> LinkedOutcome | None:
        return next((outcome for outcome in self.outcomes if outcome.name == name), None)


def parse_linked_value(kind: LinkedType, text: str) -> LinkedValue:
    """A cell as its typed value; ValueError in plain words when it does not fit the type.
    Dates are ISO (2026-05-01), yes/no also ja/nee/1/0, numbers take a decimal point or comma."""
    cell = text.strip()
    if kind == "date":
        try:
            return date.fromisoformat(cell)
        except ValueError:
            raise ValueError(f"{cell!r} is not a date (write it as 2026-05-01)") from None
    if kind == "yes_no":
        if cell.lower() in _YES:
            return True
        if cell.lower() in _NO:
            return False
        raise ValueError(f"{cell!r} is not yes or no (yes/no, ja/nee or 1/0)")
    if not _NUMBER.match(cell):
        raise ValueError(f"{cell!r} is not a number (e.g. 1250 or 12,5)")
    try:
        return float(Decimal(cell.replace(",", ".")))
    except InvalidOperation:  # pragma: no cover - the pattern already refused it
        raise ValueError(f"{cell!r} is not a number") from None


def linked_outcome(name: str, protocol: Protocol) -> OutcomeSpec | None:
    """The administrative outcome of this name the protocol declares, as an analysis outcome."""
    declared = protocol.linkage.outcome(name)
    if declared is None:
        return None
    source = f"{ADMINISTRATIVE} ({declared.source}): linked_outcome events, detail_outcome = {name}"
    if declared.type == "number":
        return OutcomeSpec(name, declared.title, "money", None, source)
    label = declared.title if declared.type == "yes_no" else f"{declared.title} (by the window end)"
    return OutcomeSpec(name, label, "binary", None, source)
