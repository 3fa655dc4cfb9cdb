"""One section of the statistical analysis plan."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Section"]


@dataclass(frozen=True)
class Section:
    """One numbered section: paragraphs, then an optional table."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
