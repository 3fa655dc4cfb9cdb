"""Shipped protocols, parsed once per test process.

Parsing and validating the shipped study takes about 5 ms, and the fixtures that build a trial for
every test (the service, research, allocation and journey tests) did it again each time: about
3% of what the service tests spent. A `Protocol` is frozen, so one parsed copy serves every test.
"""

from __future__ import annotations

from functools import cache

from bot.paths import shipped_config
from experiments.protocol import Protocol, load_protocol


@cache
def shipped_protocol(name: str = "study.toml") -> Protocol:
    """The shipped protocol `name` from config/, as `load_protocol` reads it."""
    return load_protocol(shipped_config(name))
