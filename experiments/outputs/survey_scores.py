"""Scale scores from questionnaire answers: one per participant, wave and instrument, as the
instrument's manual says (context instruments have none)."""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd  # type: ignore[import-untyped]

from experiments.protocol import (
    Instrument,
    InstrumentNotFound,
    Protocol,
    Score,
    load_instrument,
    score,
    subscale_scores,
)

__all__ = ["survey_scores"]


def survey_scores(
    answers: pd.DataFrame, participants: pd.DataFrame, protocol: Protocol | None = None
) -> pd.DataFrame:
    """One score per participant, wave and instrument, as the instrument's manual says, and one
    per subscale (instrument `<instrument>_<subscale>`, e.g. `djg6_emotional`)."""
    bands = dict(zip(participants["id"].tolist(), participants["age_band"].tolist(), strict=True))
    # Walked as plain Python values (far faster than rows), the texts as codes into their few
    # distinct values: a text object per answer would weigh more than the answers themselves.
    codes = {
        k: pd.factorize(answers[k], sort=True, use_na_sentinel=False)
        for k in ("wave", "instrument", "item")
    }
    ordered = pd.DataFrame(
        {
            "participant_id": answers["participant_id"].to_numpy(),
            **{k: found for k, (found, _) in codes.items()},
            "value": answers["value"].to_numpy(),
        }
    ).sort_values(["participant_id", "wave", "instrument"], kind="stable")
    waves, instruments, items = (list(distinct) for _, distinct in codes.values())
    grouped: dict[tuple[int, str, str], dict[str, int]] = {}
    keys = ["participant_id", "wave", "instrument", "item", "value"]
    values = (ordered[k].tolist() for k in keys)
    for pid, wave, instrument, item, value in zip(*values, strict=True):
        key = (int(pid), waves[wave], instruments[instrument])
        grouped.setdefault(key, {})[items[item]] = int(value)
    rows = []
    selections: dict[tuple[str, str | None], _Selection] = {}  # one lookup per instrument, band
    for (pid, wave, instrument_id), given in grouped.items():
        for result in _scores(instrument_id, given, bands.get(pid), protocol, selections):
            rows.append(
                (
                    pid,
                    wave,
                    result.instrument_id,
                    result.value,
                    result.method,
                    result.answered,
                    result.missing,
                    result.prorated,
                )
            )
    columns = ["participant_id", "wave", "instrument", "score", "method"]
    columns += ["answered", "missing", "prorated"]
    return pd.DataFrame(rows, columns=columns)


_Selection = tuple[Instrument, Collection[str] | None]


def _scores(
    instrument_id: str,
    given: dict[str, int],
    band: object,
    protocol: Protocol | None,
    selections: dict[tuple[str, str | None], _Selection],
) -> list[Score]:
    age_band = band if isinstance(band, str) else None
    try:
        if (instrument_id, age_band) not in selections:
            instrument = (
                protocol.questionnaires.instrument(instrument_id)
                if protocol is not None
                else load_instrument(instrument_id)
            )
            selected: Collection[str] | None = None
            if protocol is not None:
                selected = protocol.questionnaires.items_for(instrument_id, age_band)
            selections[instrument_id, age_band] = instrument, selected
        instrument, selected = selections[instrument_id, age_band]
        result = score(instrument, given, selected)
        parts = subscale_scores(instrument, given, selected)
    except (InstrumentNotFound, ValueError):
        return []  # an unknown instrument or out-of-range answers: items are still exported
    return [found for found in (result, *parts.values()) if found is not None]
