"""Peer-group services on the shipped protocol with groups of 3 to 5 (quicker to fill)."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from bot.services.runner import TurnRunner
from bot.services.trial import Trial
from bot.services.turns import StaffDirectory
from tests.experiments.shipped import shipped_protocol
from tests.groups.world import small_groups
from tests.services.peer_groups.world import World


@pytest.fixture
def trial() -> Trial:
    """The shipped study with groups of 3 to 5; the runner fixture runs on it."""
    protocol = small_groups(shipped_protocol())
    return Trial(
        protocol, "peer-group-tests-seed", "peer-group-tests-key", StaffDirectory(frozenset({1}))
    )


@pytest.fixture
def world(runner: TurnRunner, clock: FakeClock) -> World:
    return World(runner, clock)
