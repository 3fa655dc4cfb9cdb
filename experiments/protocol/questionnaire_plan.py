"""Which instruments a protocol asks when, of whom, and which items it leaves out for whom."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from experiments.protocol.errors import problem
from experiments.protocol.questionnaires import Instrument, InstrumentNotFound, load_instrument
from experiments.protocol.sections import TRACKS, Track

__all__ = ["ItemOmission", "Occasion", "QuestionnairePlan"]

Occasion = Literal["baseline", "follow_up"]


class ItemOmission(BaseModel):
    """Leave some items of an instrument out, for everyone or for some age bands."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    instrument: str
    items: tuple[str, ...] = Field(min_length=1)
    age_bands: tuple[str, ...] = Field(default=(), description="empty: every age band")

    def applies_to(self, instrument_id: str, age_band: str | None) -> bool:
        """Whether this omission holds for an instrument and an age band."""
        if instrument_id != self.instrument:
            return False
        return not self.age_bands or age_band in self.age_bands


class QuestionnairePlan(BaseModel):
    """Instruments at baseline and at each follow-up, per track, with item omissions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    baseline: tuple[str, ...]
    follow_up: tuple[str, ...]
    tracks: dict[str, tuple[Track, ...]] = Field(
        default_factory=dict, description="instrument -> tracks that answer it (default: all)"
    )
    omit: tuple[ItemOmission, ...] = ()

    @model_validator(mode="after")
    def _known_instruments_and_items(self) -> Self:
        for occasion in ("baseline", "follow_up"):
            ids: tuple[str, ...] = getattr(self, occasion)
            for index, instrument_id in enumerate(ids):
                _instrument(instrument_id, f"{occasion}[{index}]")
                if instrument_id in ids[:index]:
                    raise problem(f"{instrument_id!r} is listed twice", f"{occasion}[{index}]")
        used = set(self.baseline) | set(self.follow_up)
        for instrument_id in self.tracks:
            if instrument_id not in used:
                raise problem("not asked at baseline or follow-up", f"tracks.{instrument_id}")
        for index, omission in enumerate(self.omit):
            self._check_omission(index, omission)
        return self

    def _check_omission(self, index: int, omission: ItemOmission) -> None:
        instrument = _instrument(omission.instrument, f"omit[{index}].instrument")
        for item_index, item_id in enumerate(omission.items):
            if item_id not in instrument.item_ids:
                offered = ", ".join(instrument.item_ids)
                raise problem(
                    f"{instrument.id} has no item {item_id!r} (it has {offered})",
                    f"omit[{index}].items[{item_index}]",
                )
        if set(omission.items) >= set(instrument.item_ids):
            raise problem("leaves no items; drop the instrument instead", f"omit[{index}].items")

    def instruments_for(self, occasion: Occasion, track: Track) -> tuple[str, ...]:
        """The instrument ids a participant on a track answers at baseline or a follow-up."""
        ids: tuple[str, ...] = self.baseline if occasion == "baseline" else self.follow_up
        return tuple(i for i in ids if track in self.tracks.get(i, TRACKS))

    def items_for(self, instrument_id: str, age_band: str | None) -> tuple[str, ...]:
        """The item ids of an instrument asked of someone in an age band, in order."""
        omitted: set[str] = set()
        for omission in self.omit:
            if omission.applies_to(instrument_id, age_band):
                omitted.update(omission.items)
        return tuple(i for i in load_instrument(instrument_id).item_ids if i not in omitted)

    def age_band_references(self) -> list[tuple[str, str]]:
        """Every (key path, age band label) the plan mentions, for checking against the bands."""
        return [
            (f"omit[{index}].age_bands[{band_index}]", label)
            for index, omission in enumerate(self.omit)
            for band_index, label in enumerate(omission.age_bands)
        ]


def _instrument(instrument_id: str, path: str) -> Instrument:
    try:
        return load_instrument(instrument_id)
    except InstrumentNotFound as error:
        raise problem(str(error), path) from None
