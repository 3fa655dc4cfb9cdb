"""Reach: per site, from codes handed out to people allocated, counted and never who."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.research import read_trial
from bot.services.participants.enrollment import create_codes, revoke_codes
from bot.services.reach import ReachCounts, reach_by_site
from bot.services.runner import TurnRunner
from experiments.allocation import Pseudonymizer
from experiments.analysis import reach
from experiments.outputs import build_tables
from tests.services.conftest import SITE, Person, enroll, new_code


async def _reach(runner: TurnRunner) -> ReachCounts:
    async with runner.database.snapshot() as session:
        [site] = await reach_by_site(session)
    return site


async def test_every_step_from_a_code_issued_to_an_allocation_is_counted_for_its_site(
    runner: TurnRunner,
) -> None:
    async with runner.database.transaction() as session:
        await create_codes(session, SITE, 3, reusable=False, now=runner.clock.now())
        await create_codes(session, SITE, 1, reusable=True, now=runner.clock.now())
    declines = Person(runner, user_id=8101)
    [consent] = await declines.start(await new_code(runner))
    await declines.press(consent.buttons[1])
    await enroll(Person(runner, user_id=8102), runner)

    site = await _reach(runner)

    assert site.site == SITE
    assert (site.codes_issued, site.reusable_links) == (5, 1)  # 3 + one for each person
    assert (site.links_opened, site.consent_shown) == (2, 2)
    assert (site.consented, site.declined, site.allocated) == (1, 1, 1)
    assert site.refused_returning == 0


async def test_a_used_or_revoked_link_counts_as_opened_but_shows_no_consent(
    runner: TurnRunner,
) -> None:
    code = await new_code(runner)
    async with runner.database.transaction() as session:
        await revoke_codes(session, [code], runner.clock.now())
    await Person(runner, user_id=8201).start(code)
    await Person(runner, user_id=8202).start("NOSUCHCODE12")

    site = await _reach(runner)

    assert (site.codes_issued, site.links_opened, site.consent_shown) == (1, 1, 0)


async def test_the_export_carries_the_funnel_and_a_data_date_leaves_out_later_steps(
    runner: TurnRunner, clock: FakeClock
) -> None:
    [consent] = await Person(runner, user_id=8301).start(await new_code(runner))
    early = clock.now()
    clock.advance(timedelta(days=2))
    await enroll(Person(runner, user_id=8302), runner)

    now = build_tables(await read_trial(runner.database, clock.now()), Pseudonymizer("k"))
    then = build_tables(await read_trial(runner.database, early), Pseudonymizer("k"))

    funnel = ["codes_issued", "link_opens", "consent_shown", "consented", "allocated"]
    assert now["sites"][funnel].iloc[0].tolist() == [2, 2, 2, 1, 1]
    assert then["sites"][funnel].iloc[0].tolist() == [1, 1, 1, 0, 0]
    [site] = reach(now["sites"])
    assert site.codes_issued == 2
    assert consent.buttons
