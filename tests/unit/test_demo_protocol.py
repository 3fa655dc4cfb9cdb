"""The demo's protocol: group sizes that can fill at the demo's size, said out loud."""

from __future__ import annotations

import inspect

from bot.cli.main import demo
from bot.demo import DemoOptions
from bot.demo.run import demo_protocol
from bot.paths import shipped_config
from experiments.protocol import Component, load_protocol


def test_the_default_demo_lowers_the_group_minimum_and_says_so() -> None:
    shipped = load_protocol(shipped_config("study.toml"))
    protocol, said = demo_protocol(shipped, DemoOptions().participants)
    assert (protocol.groups.min_size, protocol.groups.max_size) == (3, 15)
    assert said.startswith("groups of 3 to 15 (the protocol says 10 to 15")
    assert protocol.curriculum == shipped.curriculum


def test_the_demo_command_and_its_options_agree_on_the_default_study() -> None:
    command = {name: p.default for name, p in inspect.signature(demo).parameters.items()}
    options = DemoOptions()
    assert (command["participants"], command["weeks"], command["seed"]) == (
        options.participants,
        options.weeks,
        options.seed,
    )


def test_a_demo_large_enough_to_fill_pools_keeps_the_protocols_groups() -> None:
    shipped = load_protocol(shipped_config("study.toml"))
    protocol, said = demo_protocol(shipped, 2000)
    assert (protocol.groups, said) == (shipped.groups, "")


def test_the_demos_peer_arm_offers_buddies_and_hosts_and_other_arms_stay() -> None:
    shipped = load_protocol(shipped_config("study.toml"))
    protocol, _said = demo_protocol(shipped, 150)
    peer = protocol.arm("peer")
    assert peer.has(Component.BUDDY)
    assert peer.has(Component.HOST_ROTATION)
    assert peer.components[: len(shipped.arm("peer").components)] == shipped.arm("peer").components
    assert [a for a in protocol.arms if a.name != "peer"] == [
        a for a in shipped.arms if a.name != "peer"
    ]
