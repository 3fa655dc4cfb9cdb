"""Where the shipped protocol files live, for tests that load them."""

from __future__ import annotations

from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"
STUDY_FILE = CONFIG_DIR / "study.toml"
FACTORIAL_FILE = CONFIG_DIR / "factorial.toml"
PILOT_FILE = CONFIG_DIR / "pilot.toml"
MECHANISMS_FILE = CONFIG_DIR / "mechanisms.toml"
