"""Files stay focused: no source file in bot/ or experiments/ grows past 400 lines (migrations
aside, each is one step). A file that does has two purposes; split it by purpose."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 400


def test_no_source_file_is_over_400_lines() -> None:
    sources = [
        path
        for package in ("bot", "experiments")
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    ]
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in sources
        if (lines := len(path.read_text("utf-8").splitlines())) > LIMIT
    }
    assert len(sources) > 100
    assert too_long == {}
