"""Baseline context as variables: one participants column per context item (one 0/1 column per
option of a multiple-choice item), with its label and value labels, for the export, the
codebook, the baseline table and the analysis (covariates and subgroups name `instrument.item`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from experiments.protocol.items import PREFER_NOT_TO_SAY, ItemType
from experiments.protocol.questionnaire_plan import QuestionnairePlan
from experiments.protocol.questionnaires import (
    Instrument,
    InstrumentNotFound,
    available_instruments,
    load_instrument,
)

__all__ = [
    "PREFER_NOT_LABEL",
    "ContextVariable",
    "baseline_context",
    "context_column",
    "context_variables",
    "reference_column",
]

PREFER_NOT_LABEL = "Prefer not to say"


def context_column(instrument_id: str, item_id: str, option: int | None = None) -> str:
    """The participants column of a context item (of one option of a multiple-choice item)."""
    column = f"{instrument_id}_{item_id}"
    return column if option is None else f"{column}_{option}"


def reference_column(reference: str) -> str:
    """The column of an analysis plan's `instrument.item` reference; other names stay as they
    are (the strata: track, age_band, site)."""
    instrument_id, dot, item_id = reference.partition(".")
    return context_column(instrument_id, item_id) if dot else reference


@dataclass(frozen=True, slots=True)
class ContextVariable:
    """One participants column of baseline context: its question (in English), the item's type
    and its value labels, coded as stored (PREFER_NOT_TO_SAY = -1 where offered)."""

    column: str
    instrument: str
    item: str
    type: ItemType
    label: str
    codes: tuple[tuple[int, str], ...]
    option: int | None = None  # the option a multiple-choice 0/1 column is about

    @property
    def categorical(self) -> bool:
        """Whether its values are categories (every type but a number)."""
        return self.type != "number"


def baseline_context(plan: QuestionnairePlan | None) -> list[Instrument]:
    """The context instruments asked at baseline (without a plan: every shipped one)."""
    if plan is None:
        shipped = (load_instrument(i) for i in available_instruments())
        return [instrument for instrument in shipped if instrument.kind == "context"]
    found = []
    for instrument_id in plan.baseline:
        try:
            instrument = plan.instrument(instrument_id)
        except InstrumentNotFound:
            continue
        if instrument.kind == "context":
            found.append(instrument)
    return found


def context_variables(instruments: Iterable[Instrument]) -> list[ContextVariable]:
    """Every column the items of these context instruments give, in the order asked."""
    variables = []
    for instrument in instruments:
        for item in instrument.items:
            refuse = ((PREFER_NOT_TO_SAY, PREFER_NOT_LABEL),) if item.prefer_not_to_say else ()
            question = item.label or item.en
            if item.type == "multiple":
                for option in instrument.options(item):
                    variables.append(
                        ContextVariable(
                            context_column(instrument.id, item.id, option.value),
                            instrument.id,
                            item.id,
                            item.type,
                            f"{question}: {option.en}",
                            ((0, "Not ticked"), (1, "Ticked"), *refuse),
                            option.value,
                        )
                    )
                continue
            if item.type == "number":
                question = f"{question} ({item.min}-{item.max})"
            codes = tuple((o.value, o.en) for o in instrument.options(item))
            if item.type == "number":
                codes = ()
            variables.append(
                ContextVariable(
                    context_column(instrument.id, item.id),
                    instrument.id,
                    item.id,
                    item.type,
                    question,
                    (*codes, *refuse),
                )
            )
    return variables
