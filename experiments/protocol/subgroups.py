"""Pre-specified subgroups of the analysis plan (`[[analysis.subgroups]]`): what splits the
primary outcome's analysis (a stratum, `track` or `age_band`, or a baseline context item
`instrument.item`) and which values make each level; `study check`'s problems with them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from experiments.protocol.context_items import reference_column
from experiments.protocol.sections import TRACKS

if TYPE_CHECKING:
    from experiments.protocol.document import Protocol

__all__ = ["SPLIT_STRATA", "Subgroup", "context_item_problem", "subgroup_problems"]

# The strata a subgroup may split by (site is for adjustment only: sites are few and chosen).
SPLIT_STRATA = ("track", "age_band")


class Subgroup(BaseModel):
    """A pre-specified subgroup analysis of the primary outcome: does the effect differ between
    levels of a stratum (`track`, `age_band`: at allocation) or of a baseline context item
    (`instrument.item`)? Each level names the values that put someone in it (tracks, age-band
    labels, or answers); the first level is the reference. People in no level (prefer not to
    say, not answered) are left out of this analysis only."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1)
    item: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$")
    levels: dict[str, tuple[int | str, ...]] = Field(min_length=2)

    @property
    def column(self) -> str:
        """The analysis frame's column that holds the split variable."""
        return reference_column(self.item)

    @property
    def by_stratum(self) -> bool:
        """Whether the split is by a stratum (track, age band) rather than a context item."""
        return "." not in self.item

    def level_of(self, value: object) -> str | None:
        """The level a value (an answer, a track, an age band) puts someone in, or None."""
        for level, values in self.levels.items():
            if value in values:
                return level
        return None


def context_item_problem(protocol: Protocol, reference: str) -> str | None:
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


def subgroup_problems(
    protocol: Protocol,
    index: int,
    subgroup: Subgroup,
    primary: str,
    primary_track: str | None,
) -> Iterator[tuple[str, str]]:
    """Why a subgroup cannot split the primary outcome's analysis. `primary_track` is the one
    track that records the primary outcome, or None when both do."""
    path = f"analysis.subgroups[{index}]"
    offered: dict[object, str]
    if subgroup.by_stratum:
        if subgroup.item not in SPLIT_STRATA:
            yield (
                f"{path}.item",
                f"{subgroup.item!r} is no split variable: name track, age_band or a baseline "
                "context item (instrument.item)",
            )
            return
        if subgroup.item == "track" and primary_track is not None:
            yield (
                f"{path}.item",
                f"{primary} is recorded by the {primary_track} track only: a track split has "
                "one level (split by age_band or a context item instead)",
            )
            return
        values = TRACKS if subgroup.item == "track" else [b.label for b in protocol.age_bands]
        offered = {str(value): str(value) for value in values}
        kind = "track" if subgroup.item == "track" else "age band"
        missing = f"there is no {kind} {{value!r}} (the protocol's: {', '.join(offered.values())})"
    else:
        found = context_item_problem(protocol, subgroup.item)
        if found:
            yield f"{path}.item", found
            return
        instrument_id, _dot, item_id = subgroup.item.partition(".")
        instrument = protocol.questionnaires.instrument(instrument_id)
        offered = {
            o.value: str(o.value) for o in instrument.options(instrument.item_by_id[item_id])
        }
        missing = f"{subgroup.item} has no answer {{value}}"
    seen: set[object] = set()
    for level, chosen in subgroup.levels.items():
        for value in chosen:
            if value not in offered:
                yield f"{path}.levels.{level}", missing.format(value=value)
            elif value in seen:
                yield f"{path}.levels.{level}", f"{value!r} is in two levels"
            seen.add(value)
        if not chosen:
            yield f"{path}.levels.{level}", "names no values"
    names = [s.name for s in protocol.analysis.subgroup_analyses] if protocol.analysis else []
    if subgroup.name in names[:index]:
        yield f"{path}.name", f"{subgroup.name!r} is used twice"
