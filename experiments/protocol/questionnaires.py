"""Questionnaires as data: load an instrument, resume partial answers and score them."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from experiments.protocol.errors import ProtocolError, problem, problems_from
from experiments.protocol.items import PREFER_NOT_TO_SAY, AnswerOption, Item
from experiments.protocol.provenance import Provenance
from experiments.protocol.templates import LocalizedText
from experiments.protocol.toml_lines import at_line

__all__ = [
    "AnswerOption",
    "Instrument",
    "InstrumentNotFound",
    "Item",
    "Score",
    "Scoring",
    "Subscale",
    "available_instruments",
    "load_instrument",
    "load_instrument_file",
    "next_item",
    "score",
    "subscale_scores",
]

_ID_PATTERN = r"^[a-z][a-z0-9_]*$"


class InstrumentNotFound(LookupError):
    """No shipped instrument has this id."""


class Subscale(BaseModel):
    """Some of a scale's items scored on their own (e.g. emotional and social loneliness)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_ID_PATTERN)
    name: str = Field(min_length=1)
    items: tuple[str, ...] = Field(min_length=1)
    max_missing: int = Field(ge=0)


class Scoring(BaseModel):
    """How answers become a score, and how many missing answers still allow one.

    `sum` and `mean` use the keyed answers; `count` counts the items whose keyed answer is at
    least `count_from` (a dichotomized scale such as De Jong Gierveld's), not prorated.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: Literal["sum", "mean", "count"]
    max_missing: int = Field(ge=0)
    missing_rule: str = Field(min_length=1, description="why this rule, in words")
    count_from: int | None = None
    subscales: tuple[Subscale, ...] = ()

    @model_validator(mode="after")
    def _count_has_its_threshold(self) -> Self:
        if self.method == "count" and self.count_from is None:
            raise problem("a count needs count_from: the keyed answer that counts", "count_from")
        if self.method != "count" and self.count_from is not None:
            raise problem('only method = "count" has count_from', "count_from")
        return self


class Instrument(BaseModel):
    """A questionnaire with its items and, for a scale, its scoring rule.

    A `scale` (the default) scores its likert items; a `context` instrument asks about someone's
    situation (single and multiple choice, yes/no, numbers) and has no score. `answers` are the
    options of every likert item that has none of its own.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_ID_PATTERN)
    kind: Literal["scale", "context"] = "scale"
    name: str = Field(min_length=1)
    citation: str = Field(min_length=1, description="the source: where the instrument is published")
    provenance: Provenance
    notes: str = ""
    instructions: LocalizedText
    answers: tuple[AnswerOption, ...] = ()
    items: tuple[Item, ...] = Field(min_length=1)
    scoring: Scoring | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.answers:
            _consecutive([option.value for option in self.answers], "answers")
        ids = [item.id for item in self.items]
        for index, item in enumerate(self.items):
            if item.id in ids[:index]:
                raise problem(f"{item.id!r} is used twice", f"items[{index}].id")
            if item.type == "likert" and not item.options and len(self.answers) < 2:
                raise problem(
                    "a likert item needs options, its own or the instrument's `answers`",
                    f"items[{index}].options",
                )
            if item.type == "likert" and item.options and self.kind == "scale":
                values = [option.value for option in item.options]
                _consecutive(values, f"items[{index}].options")
            if self.kind == "scale" and item.type != "likert":
                raise problem(
                    f"a scale scores likert items only; put {item.type} items in an instrument "
                    'with kind = "context"',
                    f"items[{index}].type",
                )
        if self.kind == "context":
            if self.scoring is not None:
                raise problem("a context instrument has no score: leave [scoring] out", "scoring")
            return self
        if self.scoring is None:
            raise problem("a scale needs its scoring rule", "scoring")
        if self.scoring.max_missing >= len(self.items):
            raise problem("must be less than the number of items", "scoring.max_missing")
        for index, subscale in enumerate(self.scoring.subscales):
            path = f"scoring.subscales[{index}]"
            for item_index, item_id in enumerate(subscale.items):
                if item_id not in ids:
                    raise problem(f"no item {item_id!r}", f"{path}.items[{item_index}]")
            if subscale.max_missing >= len(subscale.items):
                raise problem("must be less than the number of its items", f"{path}.max_missing")
        return self

    @property
    def scored(self) -> bool:
        """Whether answers to this instrument become a score (a scale)."""
        return self.scoring is not None

    def options(self, item: Item) -> tuple[AnswerOption, ...]:
        """The options a person taps for `item` (none for a typed number)."""
        return item.choices(self.answers)

    def accepts(self, item: Item, value: int) -> bool:
        """Whether `value` may be stored as the answer to `item`."""
        return item.accepts(value, self.answers)

    @cached_property  # asked for every answer of every export row
    def item_by_id(self) -> dict[str, Item]:
        """Each item by its id."""
        return {item.id: item for item in self.items}

    @cached_property  # asked for every answer of every export row
    def _ranges(self) -> dict[str, tuple[int, int]]:
        ranges = {}
        for item in self.items:
            values = [option.value for option in self.options(item)]
            if values:
                ranges[item.id] = (min(values), max(values))
        return ranges

    @cached_property  # asked for every answer of every export row
    def min_answer(self) -> int:
        """The lowest answer value of the likert items."""
        return min(low for low, _high in self._ranges.values())

    @cached_property  # asked for every answer of every export row
    def max_answer(self) -> int:
        """The highest answer value of the likert items."""
        return max(high for _low, high in self._ranges.values())

    @cached_property  # asked for every answer of every export row
    def item_ids(self) -> tuple[str, ...]:
        """Item ids in the order they are asked."""
        return tuple(item.id for item in self.items)

    def score_range(self) -> tuple[float, float]:
        """The lowest and highest possible score."""
        lows = [self._ranges[item.id][0] for item in self.items]
        highs = [self._ranges[item.id][1] for item in self.items]
        if self.scoring is not None and self.scoring.method == "count":
            return 0.0, float(len(self.items))
        if self.scoring is not None and self.scoring.method == "sum":
            return float(sum(lows)), float(sum(highs))
        return float(min(lows)), float(max(highs))

    def keyed(self, item: Item, answer: int) -> int:
        """An answer turned the scoring way round (reversed for reverse-keyed items)."""
        if not item.reverse:
            return answer
        low, high = self._ranges[item.id]
        return low + high - answer


def _consecutive(values: list[int], path: str) -> None:
    ordered = sorted(values)
    if ordered != list(range(ordered[0], ordered[0] + len(ordered))):
        raise problem("values must be consecutive whole numbers, each used once", path)


@dataclass(frozen=True, slots=True)
class Score:
    """A scale score; `prorated` when some selected items were missing or not asked."""

    instrument_id: str
    value: float
    method: str
    mean: float
    answered: int
    missing: int
    selected: int
    prorated: bool


def score(
    instrument: Instrument,
    answers: Mapping[str, int | None],
    selected_items: Collection[str] | None = None,
) -> Score | None:
    """Score answers (None = skipped), or None when the missing-data rule allows no score or
    the instrument is no scale.

    A sum is prorated to the full item count (person-mean imputation), so scores from shorter
    selections stay on the published range; a count is not (as its authors count); answers to
    items outside the selection are ignored, and "prefer not to say" counts as missing.
    """
    scoring = instrument.scoring
    if scoring is None:
        return None
    selected = _selection(instrument, selected_items)
    _check_answers(instrument, answers)
    return _scored(instrument, instrument.id, selected, answers, scoring.max_missing)


def subscale_scores(
    instrument: Instrument,
    answers: Mapping[str, int | None],
    selected_items: Collection[str] | None = None,
) -> dict[str, Score | None]:
    """Each subscale's score (its id `<instrument>_<subscale>`), by its own missing-data rule;
    empty when the instrument has no subscales."""
    scoring = instrument.scoring
    if scoring is None or not scoring.subscales:
        return {}
    selected = _selection(instrument, selected_items)
    _check_answers(instrument, answers)
    scores = {}
    for subscale in scoring.subscales:
        key = f"{instrument.id}_{subscale.id}"
        mine = [item for item in selected if item.id in subscale.items]
        scores[key] = _scored(instrument, key, mine, answers, subscale.max_missing)
    return scores


def _scored(
    instrument: Instrument,
    score_id: str,
    selected: list[Item],
    answers: Mapping[str, int | None],
    max_missing: int,
) -> Score | None:
    scoring = instrument.scoring
    assert scoring is not None
    values = [
        instrument.keyed(item, answer)
        for item in selected
        if (answer := answers.get(item.id)) is not None and answer != PREFER_NOT_TO_SAY
    ]
    missing = len(selected) - len(values)
    if not values or missing > max_missing:
        return None
    mean = math.fsum(values) / len(values)
    total_items = len(instrument.items) if score_id == instrument.id else len(selected)
    if scoring.method == "count":
        assert scoring.count_from is not None
        value = float(sum(1 for v in values if v >= scoring.count_from))
    elif scoring.method == "sum":
        value = math.fsum(values) * total_items / len(values)
    else:
        value = mean
    return Score(
        instrument_id=score_id,
        value=value,
        method=scoring.method,
        mean=mean,
        answered=len(values),
        missing=missing,
        selected=len(selected),
        prorated=scoring.method == "sum" and len(values) < total_items,
    )


def next_item(
    instrument: Instrument,
    answers: Mapping[str, int | None],
    selected_items: Collection[str] | None = None,
) -> Item | None:
    """The first selected item not yet answered or skipped, or None when all are done."""
    for item in _selection(instrument, selected_items):
        if item.id not in answers:
            return item
    return None


def _selection(instrument: Instrument, selected_items: Collection[str] | None) -> list[Item]:
    if selected_items is None:
        return list(instrument.items)
    unknown = set(selected_items) - set(instrument.item_ids)
    if unknown:
        raise ValueError(f"{instrument.id} has no item {', '.join(sorted(unknown))}")
    chosen = [item for item in instrument.items if item.id in selected_items]
    if not chosen:
        raise ValueError(f"no items of {instrument.id} are selected")
    return chosen


def _check_answers(instrument: Instrument, answers: Mapping[str, int | None]) -> None:
    items = instrument.item_by_id
    for item_id, answer in answers.items():
        if item_id not in items:
            raise ValueError(f"{instrument.id} has no item {item_id}")
        if answer is not None and not instrument.accepts(items[item_id], answer):
            raise ValueError(f"{item_id}: answer {answer} is not one this item offers")


def available_instruments() -> list[str]:
    """Ids of the instruments shipped in `experiments/protocol/instruments/`."""
    folder = resources.files("experiments.protocol.instruments")
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    )


@cache
def load_instrument(instrument_id: str) -> Instrument:
    """Load a shipped instrument by id; raise InstrumentNotFound if there is none."""
    if instrument_id not in available_instruments():
        known = ", ".join(available_instruments())
        raise InstrumentNotFound(f"no instrument {instrument_id!r} (available: {known})")
    resource = resources.files("experiments.protocol.instruments").joinpath(f"{instrument_id}.toml")
    instrument = _parse(resource.read_text(encoding="utf-8"), f"{instrument_id}.toml")
    if instrument.id != instrument_id:
        raise ProtocolError([f"{instrument_id}.toml: id: must match the file name"])
    return instrument


def load_instrument_file(path: Path, name: str | None = None) -> Instrument:
    """Load an instrument from a TOML file of one's own; raise ProtocolError if invalid,
    naming the file as `name` (default: its path) and the line."""
    return _parse(path.read_text(encoding="utf-8"), name or str(path))


def _parse(text: str, source: str) -> Instrument:
    try:
        return Instrument.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as error:
        raise ProtocolError([f"{source}: TOML syntax error: {error}"]) from None
    except ValidationError as error:
        raise ProtocolError(
            [at_line(text, source, line) for line in problems_from(error)]
        ) from None
