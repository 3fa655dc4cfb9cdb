"""Fixtures for the research modules: the shipped protocol as data and as a model."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from experiments.protocol import Protocol, load_protocol

from .shipped import STUDY_FILE


@pytest.fixture
def study_data() -> dict[str, Any]:
    """The default study protocol as freshly parsed TOML data, free to modify."""
    return tomllib.loads(STUDY_FILE.read_text(encoding="utf-8"))


@pytest.fixture
def study() -> Protocol:
    """The default three-arm study protocol."""
    return load_protocol(STUDY_FILE)
