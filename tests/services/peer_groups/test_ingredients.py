"""A group's ingredients: drawn once at formation when the study draws by group, recorded, and
what the group then gets."""

from __future__ import annotations

from dataclasses import replace

from bot.db.groups import GroupIngredients, PeerGroup
from bot.research import read_trial
from bot.services.peer_groups.ingredients import group_components, group_draws
from experiments.allocation import Pseudonymizer, draw_cell, verify_draws
from experiments.outputs import build_tables
from experiments.protocol import Component, GroupFactorial
from tests.services.peer_groups import calls
from tests.services.peer_groups.world import World, peers, rows

FACTORIAL = GroupFactorial(factors=(Component.BUDDY, Component.PROGRESS_SHARING))


def _drawing(world: World) -> World:
    protocol = world.trial.protocol.model_copy(update={"group_factorial": FACTORIAL})
    trial = replace(world.trial, protocol=protocol)
    return replace(world, runner=replace(world.runner, trial=trial))


async def test_each_formed_group_gets_the_next_cell_of_its_arm_and_tracks_sequence(
    world: World,
) -> None:
    world = _drawing(world)
    await peers(world, 4, band="21-25")
    await peers(world, 4, band="36-49")
    await peers(world, 3, band="26-35", track="jobsearch")

    await calls.scan(world)

    drawn = {row.group_id: row for row in await rows(world, GroupIngredients)}
    groups = await rows(world, PeerGroup)
    assert len(drawn) == len(groups) == 3
    seed = world.trial.allocation_seed
    for group in groups:
        row = drawn[group.id]
        assert row.stratum == f"arm=peer|track={group.track}"
        assert row.cell == draw_cell(seed, FACTORIAL, row.stratum, row.position)
    savings = sorted(drawn[g.id].position for g in groups if g.track == "savings")
    assert savings == [0, 1]
    async with world.database.snapshot() as session:
        assert verify_draws(seed, FACTORIAL, await group_draws(session)) == []


async def test_a_group_gets_its_arms_components_and_what_its_draw_switched_on(
    world: World,
) -> None:
    world = _drawing(world)
    await peers(world, 4)
    await calls.scan(world)
    [group] = await rows(world, PeerGroup)
    [row] = await rows(world, GroupIngredients)

    async with world.database.snapshot() as session:
        got = await group_components(session, world.trial, group)

    assert Component.CURRICULUM in got  # from the peer arm
    assert (Component.BUDDY in got) == ("buddy" in row.cell)
    assert (Component.PROGRESS_SHARING in got) == ("progress_sharing" in row.cell)


async def test_a_study_without_a_group_factorial_draws_nothing(world: World) -> None:
    await peers(world, 4)
    await calls.scan(world)
    assert await rows(world, GroupIngredients) == []


async def test_the_export_gives_each_group_its_drawn_ingredients(world: World) -> None:
    world = _drawing(world)
    await peers(world, 4)
    await calls.scan(world)
    [row] = await rows(world, GroupIngredients)

    raw = await read_trial(world.database, world.clock.now())
    groups = build_tables(raw, Pseudonymizer("k"))["groups"]

    assert groups["ingredients"].tolist() == [row.cell]
