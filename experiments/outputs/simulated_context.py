"""Simulated baseline context answers for the simulated trial (the shipped `context` instrument)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from experiments.protocol import PREFER_NOT_TO_SAY, load_instrument

__all__ = ["simulated_context"]


def simulated_context(people: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Baseline context answers: any option (5% prefer not to say where offered; a
    multiple-choice item ticks each option with chance 1/3), 3% of items left unanswered."""
    instrument = load_instrument("context")
    rows = []
    for pid, at in zip(people["id"], people["consented_at"], strict=True):
        for item in instrument.items:
            if rng.random() < 0.03:
                continue
            options = [o.value for o in instrument.options(item)]
            if item.prefer_not_to_say and rng.random() < 0.05:
                value = PREFER_NOT_TO_SAY
            elif item.type == "multiple":
                value = sum(1 << v for v in options if rng.random() < 1 / 3)
            elif item.type == "number" and not options:
                assert item.min is not None
                assert item.max is not None
                value = int(rng.integers(item.min, item.max, endpoint=True))
            else:
                value = int(rng.choice(options))
            rows.append((pid, "baseline", "context", item.id, value, at + timedelta(minutes=6)))
    columns = ["participant_id", "wave", "instrument", "item", "value", "answered_at"]
    return pd.DataFrame(rows, columns=columns)
