"""The registry imports' table of the export (`lotgenoot linkage import`; no person in it)."""

from __future__ import annotations

import pandas as pd  # type: ignore[import-untyped]

__all__ = ["import_table"]


def import_table(imports: pd.DataFrame, shift_dates: bool) -> pd.DataFrame | None:
    """Registry imports (None: there were none, so no table). Their time is left out of a
    date-shifted export: a linked outcome's own time is its import's, so together they would
    give each person's offset away."""
    if imports.empty:
        return None
    frame = imports.rename(columns={"id": "import_id"})
    frame["imported_at"] = pd.to_datetime(frame["imported_at"], utc=True)
    return frame.drop(columns=["imported_at"]) if shift_dates else frame
