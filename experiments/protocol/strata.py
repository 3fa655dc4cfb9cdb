"""How a protocol names a stratum: the key its allocation sequence is drawn under."""

from __future__ import annotations

from collections.abc import Iterable

from experiments.protocol.sections import STRATIFIERS

__all__ = ["stratum_key"]


def stratum_key(track: str, age_band: str, site: str, by: Iterable[str]) -> str:
    """A stable text key such as `track=savings|age_band=16-20|site=utrecht` ("all" if none)."""
    chosen = set(by)
    unknown = chosen - set(STRATIFIERS)
    if unknown:
        raise ValueError(f"cannot stratify by {', '.join(sorted(unknown))}")
    values = {"track": track, "age_band": age_band, "site": site}
    parts = [f"{factor}={_escape(values[factor])}" for factor in STRATIFIERS if factor in chosen]
    return "|".join(parts) if parts else "all"


def _escape(value: str) -> str:
    # A site named "a|b" must not collide with another key, so the separators are escaped.
    return value.replace("%", "%25").replace("|", "%7C").replace("=", "%3D")
