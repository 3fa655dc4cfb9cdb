"""A protocol of the tests' own that names its own context instrument file (every item type)."""

from __future__ import annotations

from pathlib import Path

from tests.experiments.shipped import STUDY_FILE

SITUATION_FILE = Path(__file__).with_name("study_files") / "situation.toml"
_BASELINE = 'baseline = ["gse", "fse", "jsse", "context"]'


def study_with_situation(folder: Path, instrument: str | None = None) -> Path:
    """The shipped study asking `instruments/situation.toml` (or `instrument`, its text) first
    at baseline, written into `folder`; the protocol file's path."""
    text = STUDY_FILE.read_text(encoding="utf-8")
    assert _BASELINE in text, "the shipped study's baseline changed: update this helper"
    text = text.replace(
        _BASELINE,
        'baseline = ["situation", "gse", "fse", "jsse", "context"]\n'
        'files = ["instruments/situation.toml"]',
        1,
    )
    (folder / "instruments").mkdir(exist_ok=True)
    own = instrument if instrument is not None else SITUATION_FILE.read_text(encoding="utf-8")
    (folder / "instruments" / "situation.toml").write_text(own, encoding="utf-8")
    protocol = folder / "study.toml"
    protocol.write_text(text, encoding="utf-8")
    return protocol
