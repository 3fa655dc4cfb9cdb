"""Which instruments a protocol asks when, of whom, and which items it leaves out for whom."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from experiments.protocol.errors import ProtocolError, problem
from experiments.protocol.questionnaires import (
    Instrument,
    InstrumentNotFound,
    available_instruments,
    load_instrument,
    load_instrument_file,
)
from experiments.protocol.sections import TRACKS, Track

__all__ = ["INSTRUMENT_FOLDER", "ItemOmission", "Occasion", "QuestionnairePlan"]

# the validation context key that names the protocol file's folder (study files are beside it)
INSTRUMENT_FOLDER = "instrument_folder"

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


class StudyInstrument(BaseModel):
    """An instrument file of the study's own, beside the protocol: its path as written, the
    SHA-256 of its bytes (for the registration) and its content."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(min_length=1)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    instrument: Instrument


class QuestionnairePlan(BaseModel):
    """Instruments at baseline and at each follow-up, per track, with item omissions.

    `files` names instrument files of the study's own, relative to the protocol file (e.g.
    `instruments/benefit.toml`); they are read when the protocol is loaded and kept in
    `study_instruments`, so the protocol's JSON form (and its registration) carries them.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    baseline: tuple[str, ...]
    follow_up: tuple[str, ...]
    files: tuple[str, ...] = ()
    study_instruments: tuple[StudyInstrument, ...] = ()
    tracks: dict[str, tuple[Track, ...]] = Field(
        default_factory=dict, description="instrument -> tracks that answer it (default: all)"
    )
    omit: tuple[ItemOmission, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _read_study_files(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, Mapping) or not data.get("files") or data.get("study_instruments"):
            return data
        folder = (info.context or {}).get(INSTRUMENT_FOLDER)
        if folder is None:
            raise problem(
                "instrument files are read beside the protocol file: load it from its file", "files"
            )
        return {**data, "study_instruments": [_read(Path(folder), name) for name in data["files"]]}

    @model_validator(mode="after")
    def _known_instruments_and_items(self) -> Self:
        shipped = set(available_instruments())
        own = [entry.instrument.id for entry in self.study_instruments]
        for index, entry in enumerate(self.study_instruments):
            if entry.instrument.id in shipped:
                raise problem(
                    f"{entry.path}: id {entry.instrument.id!r} is a shipped instrument's; give "
                    "yours an id of its own",
                    f"files[{index}]",
                )
            if entry.instrument.id in own[:index]:
                raise problem(
                    f"{entry.path}: id {entry.instrument.id!r} is used twice", f"files[{index}]"
                )
        for occasion in ("baseline", "follow_up"):
            ids: tuple[str, ...] = getattr(self, occasion)
            for index, instrument_id in enumerate(ids):
                self._instrument(instrument_id, f"{occasion}[{index}]")
                if instrument_id in ids[:index]:
                    raise problem(f"{instrument_id!r} is listed twice", f"{occasion}[{index}]")
        used = set(self.baseline) | set(self.follow_up)
        for instrument_id in self.tracks:
            if instrument_id not in used:
                raise problem("not asked at baseline or follow-up", f"tracks.{instrument_id}")
        for index, omission in enumerate(self.omit):
            self._check_omission(index, omission)
        return self

    def instrument(self, instrument_id: str) -> Instrument:
        """The instrument with this id: the study's own first, else a shipped one; raise
        InstrumentNotFound if there is neither."""
        for entry in self.study_instruments:
            if entry.instrument.id == instrument_id:
                return entry.instrument
        return load_instrument(instrument_id)

    def licence_warnings(self) -> list[str]:
        """One warning per instrument asked whose licence must be settled before fielding."""
        return [
            f"instrument {instrument_id}: check the licence before use "
            f"({self.instrument(instrument_id).provenance.licence})"
            for instrument_id in dict.fromkeys((*self.baseline, *self.follow_up))
            if self.instrument(instrument_id).provenance.licence_unclear
        ]

    def file_hashes(self) -> dict[str, str]:
        """Each study instrument file's path and the SHA-256 of its bytes."""
        return {entry.path: entry.sha256 for entry in self.study_instruments}

    def _instrument(self, instrument_id: str, path: str) -> Instrument:
        try:
            return self.instrument(instrument_id)
        except InstrumentNotFound as error:
            raise problem(str(error), path) from None

    def _check_omission(self, index: int, omission: ItemOmission) -> None:
        instrument = self._instrument(omission.instrument, f"omit[{index}].instrument")
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
        return tuple(i for i in self.instrument(instrument_id).item_ids if i not in omitted)

    def age_band_references(self) -> list[tuple[str, str]]:
        """Every (key path, age band label) the plan mentions, for checking against the bands."""
        return [
            (f"omit[{index}].age_bands[{band_index}]", label)
            for index, omission in enumerate(self.omit)
            for band_index, label in enumerate(omission.age_bands)
        ]


def _read(folder: Path, name: str) -> dict[str, Any]:
    """A study instrument file, read and checked; a problem names the file (and the line)."""
    path = folder / name
    try:
        data = path.read_bytes()
    except OSError as error:
        raise problem(f"{name}: cannot read the file ({error.strerror})", "files") from None
    try:
        instrument = load_instrument_file(path, name)
    except ProtocolError as error:
        raise problem("; ".join(error.problems), "files") from None
    digest = hashlib.sha256(data).hexdigest()
    return {"path": name, "sha256": digest, "instrument": instrument.model_dump(mode="json")}
