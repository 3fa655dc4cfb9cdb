"""Where the shipped protocol files live, for tests that load them, and those protocols parsed."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from experiments.protocol import Protocol, load_protocol

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"
STUDY_FILE = CONFIG_DIR / "study.toml"
FACTORIAL_FILE = CONFIG_DIR / "factorial.toml"
PILOT_FILE = CONFIG_DIR / "pilot.toml"
MECHANISMS_FILE = CONFIG_DIR / "mechanisms.toml"


# Parsing and validating the shipped study takes about 5 ms, and the fixtures that build a trial
# for every test (the service, research, allocation and journey tests) did it again each time:
# about 3% of what the service tests spent. A `Protocol` is frozen, so one parsed copy per test
# process serves every test.
@cache
def shipped_protocol(name: str = "study.toml") -> Protocol:
    """The shipped protocol `name` from config/, as `load_protocol` reads it."""
    return load_protocol(CONFIG_DIR / name)
