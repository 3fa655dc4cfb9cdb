"""Questionnaire items by type: what a person may answer, and what each stored value means.

Every answer is one whole number in `survey_answers.value`:
- `likert`: the value of the option tapped (the item's own options, else the instrument's
  `answers`); the only type a scale scores.
- `single`: the value of the one option tapped (value labels in the export).
- `yes_no`: 1 = yes, 0 = no.
- `multiple`: every option that applies, stored as the sum of 2^value of the options chosen (a
  bit set: options use values 0-12, 0 = none chose); the export spreads it into one 0/1 column
  per option.
- `number`: the number itself, within `min`-`max` (buttons for a short range, else typed).
- `PREFER_NOT_TO_SAY` (-1) for "prefer not to say", on items that offer it: user-missing in
  SPSS, counted as missing in a score.
"""

from __future__ import annotations

from typing import Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from experiments.protocol.errors import problem
from experiments.protocol.templates import Language, LocalizedText

__all__ = [
    "MAX_BUTTON_NUMBERS",
    "MAX_MULTIPLE_VALUE",
    "PREFER_NOT_TO_SAY",
    "YES_NO",
    "AnswerOption",
    "Item",
    "ItemType",
]

PREFER_NOT_TO_SAY: Final = -1
# a multiple-choice answer is a bit set of option values: 2^12 keeps it within four digits
MAX_MULTIPLE_VALUE: Final = 12
# a number item shows a button per value up to this many values (default up to 7)
MAX_BUTTON_NUMBERS: Final = 11
_DEFAULT_BUTTON_NUMBERS = 7
_BUTTON_LIMIT = 9999  # button data carries at most four digits

ItemType = Literal["likert", "single", "multiple", "number", "yes_no"]
_ID_PATTERN = r"^[a-z][a-z0-9_]*$"


class AnswerOption(BaseModel):
    """One answer button: the stored value and its label per language."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: int
    nl: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def label(self, language: Language) -> str:
        """The button label in one language."""
        return self.nl if language == "nl" else self.en


YES_NO: Final = (
    AnswerOption(value=1, nl="Ja", en="Yes"),
    AnswerOption(value=0, nl="Nee", en="No"),
)


class Item(LocalizedText):
    """One statement or question of a type; `reverse` likert items are scored max + min − answer.

    `options` belong to the item (single and multiple choice need them; a likert item without
    them uses its instrument's `answers`); a number has a range; `prefer_not_to_say` adds that
    button, stored as PREFER_NOT_TO_SAY.
    """

    id: str = Field(pattern=_ID_PATTERN)
    label: str = Field(default="", description="a short English name for tables and codebooks")
    type: ItemType = "likert"
    reverse: bool = False
    options: tuple[AnswerOption, ...] = ()
    min: int | None = None
    max: int | None = None
    input: Literal["buttons", "typed"] | None = Field(
        default=None, description="number items: buttons (default up to 7 values) or typed"
    )
    prefer_not_to_say: bool = False

    @model_validator(mode="after")
    def _fits_its_type(self) -> Self:
        kind = self.type
        if kind in ("single", "multiple") and len(self.options) < 2:
            raise problem(f"a {kind}-choice item needs at least 2 options", "options")
        if kind in ("number", "yes_no") and self.options:
            raise problem(f"a {kind} item has no options of its own", "options")
        if kind == "number":
            self._check_range()
        elif self.min is not None or self.max is not None or self.input is not None:
            key = "min" if self.min is not None else "max" if self.max is not None else "input"
            raise problem("only a number item has a range and an input", key)
        if self.reverse and kind != "likert":
            raise problem("only a likert item can be reverse-keyed", "reverse")
        values = [option.value for option in self.options]
        for index, value in enumerate(values):
            if value in values[:index]:
                raise problem(f"value {value} is used twice", f"options[{index}].value")
            if kind == "multiple" and not 0 <= value <= MAX_MULTIPLE_VALUE:
                raise problem(
                    f"a multiple-choice option's value is 0-{MAX_MULTIPLE_VALUE} (each is a bit "
                    "of the stored answer)",
                    f"options[{index}].value",
                )
            if kind != "multiple" and abs(value) > _BUTTON_LIMIT:
                raise problem(f"must be within ±{_BUTTON_LIMIT}", f"options[{index}].value")
        if self.prefer_not_to_say and self.accepts_value(PREFER_NOT_TO_SAY):
            raise problem(
                f"{PREFER_NOT_TO_SAY} is the code for 'prefer not to say': give this answer "
                "another value",
                "prefer_not_to_say",
            )
        return self

    def _check_range(self) -> None:
        if self.min is None or self.max is None:
            raise problem("a number item needs a range", "min" if self.min is None else "max")
        if self.min >= self.max:
            raise problem("must be more than min", "max")
        if self.input == "buttons":
            if self.max - self.min + 1 > MAX_BUTTON_NUMBERS:
                raise problem(
                    f'buttons fit at most {MAX_BUTTON_NUMBERS} values: use input = "typed"',
                    "input",
                )
            if max(abs(self.min), abs(self.max)) > _BUTTON_LIMIT:
                raise problem(f"buttons carry numbers within ±{_BUTTON_LIMIT}", "input")

    @property
    def typed(self) -> bool:
        """Whether the answer is typed (a number with a long range) rather than tapped."""
        if self.type != "number":
            return False
        assert self.min is not None
        assert self.max is not None
        if self.input is not None:
            return self.input == "typed"
        return self.max - self.min + 1 > _DEFAULT_BUTTON_NUMBERS

    def accepts_value(self, value: int, default: tuple[AnswerOption, ...] = ()) -> bool:
        """Whether `value` is a real answer to this item (not counting prefer not to say)."""
        if self.type == "number":
            assert self.min is not None
            assert self.max is not None
            return self.min <= value <= self.max
        if self.type == "multiple":
            allowed = sum(1 << option.value for option in self.options)
            return value >= 0 and value & ~allowed == 0
        return value in {option.value for option in self.choices(default)}

    def accepts(self, value: int, default: tuple[AnswerOption, ...] = ()) -> bool:
        """Whether `value` may be stored as the answer to this item."""
        if value == PREFER_NOT_TO_SAY and self.prefer_not_to_say:
            return True
        return self.accepts_value(value, default)

    def choices(self, default: tuple[AnswerOption, ...] = ()) -> tuple[AnswerOption, ...]:
        """The options a person taps (a number's values when it has buttons; none when typed)."""
        if self.type == "yes_no":
            return YES_NO
        if self.type == "number":
            if self.typed:
                return ()
            assert self.min is not None
            assert self.max is not None
            return tuple(
                AnswerOption(value=n, nl=str(n), en=str(n)) for n in range(self.min, self.max + 1)
            )
        return self.options or default

    def chosen(self, value: int) -> list[int]:
        """The option values in a multiple-choice answer, in value order."""
        return [n for n in range(MAX_MULTIPLE_VALUE + 1) if value >= 0 and value >> n & 1]
