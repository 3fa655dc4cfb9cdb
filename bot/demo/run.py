"""`lotgenoot demo`: a whole simulated study, the real bot against the sandbox, in minutes.

Time is the injectable clock, moved a day at a time: people act in the morning, the scheduler's
scans run in the evening, the outbox delivers. Telegram's rate limits are compressed with time
(the sandbox and the sender run at 10× Telegram's rates), everything else is the production path:
polling over HTTP, handlers, outbox, scheduler scans, randomization.
"""

from __future__ import annotations

import asyncio
import random
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.app import build_application, running
from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.db.study import Participant
from bot.demo import together
from bot.demo.checkins import check_in
from bot.demo.console import DemoConsole
from bot.demo.lasting import follow_up_protocol, weekly_rate
from bot.demo.micro import MicroWorld, NudgeEffect, true_effects
from bot.demo.options import DemoOptions
from bot.demo.people import Person
from bot.demo.staff import Admin, Assistant, Counsellor
from bot.demo.summary import DemoResult, nudge_counts, summarize_run
from bot.outbox.sender import SenderSettings
from bot.paths import shipped_config
from bot.runtime import Runtime
from bot.sandbox import TelegramSandbox
from bot.scheduler import scan_groups, scan_nudges, scan_tickets
from bot.services.trial import Trial
from bot.services.turns import StaffDirectory
from bot.settings import Settings
from experiments.protocol import Component, Protocol, Track, load_protocol

DEMO_TOKEN = "424242:LOTGENOOT-DEMO"
START = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)  # a Monday, 08:00 in Amsterdam
SITES = ("Utrecht", "Rotterdam")
ENROLLMENT_DAYS = 14
# Telegram's limits are on the wall clock while the demo's weeks pass in seconds: both the
# sandbox and the sender allow ten times Telegram's rates, the group limit included (at 20 posts
# a minute a group's weekly posts waited out the limit, four fifths of a small demo's time).
TIME_COMPRESSION = 10
# first names Telegram sends (no digits, so the bot can offer them as the name a buddy sees)
FIRST_NAMES = (
    "Sanne", "Lars", "Fatima", "Joost", "Ayla", "Bram", "Noor", "Daan", "Emma", "Mohamed",
    "Lotte", "Ruben", "Yara", "Thijs", "Sophie", "Milan", "Ilse", "Omar", "Femke", "Jesse",
)  # fmt: skip
SCANS_OFF = timedelta(days=1)  # of the wall clock: the scheduler's own scans never come round


def _people(sandbox: TelegramSandbox, options: DemoOptions, protocol: Protocol) -> list[Person]:
    master = random.Random(options.seed)
    lasting = bool(
        options.follow_up_weeks
        or protocol.balance.ask_starting_balance
        or protocol.retention.checks
    )
    people = []
    for index in range(options.participants):
        language = "nl" if master.random() < 0.7 else "en"
        # "Ilse", then "Ilse B.": a group's welcome does not read "Ilse, Ilse"
        first, round_ = FIRST_NAMES[index % len(FIRST_NAMES)], index // len(FIRST_NAMES)
        name = f"{first} {chr(ord('A') + round_ % 26)}." if round_ else first
        user = sandbox.add_user(name, language_code=language)
        people.append(
            Person(
                user=user,
                track=Track.SAVINGS if index % 2 == 0 else Track.JOBSEARCH,
                birth_year=2026 - master.randint(17, 60),
                language=language,
                rng=random.Random(f"{options.seed}:{index}"),
                slips=random.Random(f"{options.seed}:{index}:slips"),
                context=random.Random(f"{options.seed}:{index}:context"),
                later=random.Random(f"{options.seed}:{index}:later") if lasting else None,
                jobs=random.Random(f"{options.seed}:{index}:jobs"),
            )
        )
    return people


MENU_LOG = re.compile(r"^(?:dep:\d+|steps:(?:applied|interview):\d+):\d+$")
COMMAND_LOG = re.compile(r"^/(?:deposit|applied|interview)\b")


def _ways_of_logging(updates: list[dict[str, Any]]) -> tuple[int, int]:
    """How many logs came from a menu choice, and how many from a typed command."""
    menu = sum(1 for u in updates if MENU_LOG.match(u.get("callback_query", {}).get("data", "")))
    typed = sum(1 for u in updates if COMMAND_LOG.match(u.get("message", {}).get("text", "")))
    return menu, typed


async def run_demo(options: DemoOptions) -> DemoResult:
    """Simulate the study and return its headline numbers."""
    options.out.mkdir(parents=True, exist_ok=True)
    database_file = options.out / "demo.db"
    for stale in options.out.glob("demo.db*"):
        stale.unlink()
    console = DemoConsole(quiet=options.quiet)
    clock = FakeClock(START)
    async with TelegramSandbox(
        bot_token=DEMO_TOKEN,
        global_limit_per_s=30 * TIME_COMPRESSION,
        group_limit_per_min=20 * TIME_COMPRESSION,
        clock=lambda: clock.now().timestamp(),
    ) as sandbox:
        admin = Admin(sandbox.add_user("Anna (admin)", language_code="nl"))
        settings = Settings(
            _env_file=None,
            bot_token=DEMO_TOKEN,
            telegram_api_url=sandbox.base_url,
            database_url=f"sqlite+aiosqlite:///{database_file}",
        )
        database = Database(settings.database_url)
        try:
            await upgrade(database)
            shipped = "long-term.toml" if options.follow_up_weeks else "study.toml"
            protocol, bounds = demo_protocol(
                follow_up_protocol(
                    load_protocol(options.protocol or shipped_config(shipped)),
                    options.weeks,
                    options.follow_up_weeks,
                ),
                options.participants,
            )
            trial = Trial(
                protocol,
                f"demo-allocation-seed-{options.seed}",
                demo_pseudonym_key(options.seed),
                staff=StaffDirectory(frozenset({admin.user.id})),  # the demo's operator
            )
            runtime = Runtime(
                settings,
                database,
                clock,
                trial,
                sender_settings=SenderSettings(
                    global_per_second=25.0 * TIME_COMPRESSION,
                    group_per_minute=20 * TIME_COMPRESSION,
                    private_interval_s=0.0,  # the sandbox does not enforce 1/s per chat
                ),
                # The scans run once each simulated evening (_simulate), not on the wall clock:
                # once a second, they ran more often a simulated day the slower the machine was
                # (under a profiler, 17 rounds a day and two fifths of the demo's time).
                scan_interval=SCANS_OFF,
                flood=None,  # the clock jumps: a simulated day's messages arrive in one instant
            )
            async with running(build_application(runtime)):
                counsellor = Counsellor(sandbox.add_user("Kees (begeleider)", language_code="nl"))
                await counsellor.accept(await admin.invite("counsellor"))
                assistant = None
                if trial.protocol.follow_up_calls is not None:
                    user = sandbox.add_user("Noor (onderzoeksassistent)", language_code="nl")
                    assistant = Assistant(user, random.Random(options.seed))
                    await assistant.accept(await admin.invite("assistant"))
                staff = (admin, counsellor, assistant)
                micro = MicroWorld(
                    trial, NudgeEffect(rr=options.nudge_rr, decay=options.nudge_decay)
                )
                await _simulate(sandbox, runtime, clock, options, console, staff, micro)
            result = await summarize_run(database, options, database_file, trial, clock.now())
            result.group_bounds = bounds
            if trial.protocol.micro_randomization is not None:
                result.micro_truth = await true_effects(runtime, micro.effect)
            await _researcher(result, database, trial, clock, options, console)
        finally:
            await database.dispose()
        result.unknown_calls = len(sandbox.unknown_calls)
        result.delivered = len(sandbox.sent_messages())
        result.logged_by_menu, result.logged_by_command = _ways_of_logging(sandbox.updates)
    console.finish(result)
    return result


async def _simulate(
    sandbox: TelegramSandbox,
    runtime: Runtime,
    clock: FakeClock,
    options: DemoOptions,
    console: DemoConsole,
    staff: tuple[Admin, Counsellor, Assistant | None],
    micro: MicroWorld,
) -> None:
    admin, counsellor, assistant = staff
    people = _people(sandbox, options, runtime.trial.protocol)
    days = (options.weeks + options.follow_up_weeks) * 7
    per_day = -(-len(people) // min(ENROLLMENT_DAYS, max(1, days // 3)))
    console.start(days)
    for day in range(days):
        clock.set(START + timedelta(days=day, hours=2))
        assert runtime.sender is not None
        # What became due overnight (messages deferred by quiet hours or the daily budget) is
        # delivered before anyone acts: otherwise whether a person read it this morning depended
        # on how fast the machine was, and the same seed gave another study under load.
        await runtime.sender.settle(within_s=60)
        newcomers = people[day * per_day : (day + 1) * per_day]
        await _enroll(newcomers, admin, runtime, day, console)
        enrolled = [p for p in people if p.status in {"enrolled", "paused"}]
        await asyncio.gather(
            *(
                # People in a micro-randomized arm act only in answer to the decision points.
                p.live_a_day(day, *((0.0, 0.0) if micro.takes_part(p) else _rates(p, options, day)))
                for p in enrolled
                if p.arm is not None
            )
        )
        await until_idle(sandbox, runtime)
        clock.set(START + timedelta(days=day, hours=12))
        await scan_nudges(runtime)
        await scan_groups(runtime)
        await scan_tickets(runtime)
        await runtime.sender.settle(within_s=60)
        if answered := await counsellor.answer_questions():
            console.log(f"day {day + 1:>3}: the counsellor answered {answered} question(s)")
            await runtime.sender.settle(within_s=60)
        if assistant is not None and (called := await assistant.follow_up()):
            console.log(f"day {day + 1:>3}: the research assistant followed up {called} person(s)")
            await runtime.sender.settle(within_s=60)
        if checked := await counsellor.send_check_ins():
            console.log(f"day {day + 1:>3}: the counsellor sent {checked} check-in(s)")
            await runtime.sender.settle(within_s=60)
        if bound := await counsellor.set_up_new_groups(sandbox):
            console.log(f"day {day + 1:>3}: the counsellor set up {bound} new peer group(s)")
            await runtime.sender.settle(within_s=60)
        for person in people:
            if person.join_requested and person.group is None:
                person.group = counsellor.group_of(person.user)
        await check_in(sandbox, runtime, people)
        await together.choose(sandbox, runtime, people)
        await together.send_suggestions(sandbox, runtime, counsellor)
        if trial_is_micro(runtime):
            await micro.evening(sandbox, runtime, clock, people, day, START)
        await until_idle(sandbox, runtime)
        if day % 7 == 6:
            console.week(day // 7 + 1, await nudge_counts(runtime.database))
        console.advance(day + 1)


async def until_idle(sandbox: TelegramSandbox, runtime: Runtime) -> None:
    """Return once the bot has taken and handled every update people sent, and delivered what
    that queued; round again while a delivery brings a new update (an approved join request
    makes a join).

    Before the clock moves on: a join request made in the morning was sometimes handled after
    the clock had moved to the evening, so under load the same seed gave another study.
    """
    assert runtime.inbound is not None
    assert runtime.sender is not None
    queue = sandbox.world.updates
    while True:
        await sandbox.wait_for(lambda: not queue.pending, 60.0, "the bot to take every update")
        await runtime.inbound.settled(within_s=60)
        await runtime.sender.settle(within_s=60)
        if not queue.pending:
            return


def trial_is_micro(runtime: Runtime) -> bool:
    return runtime.trial.protocol.micro_randomization is not None


def _rates(person: Person, options: DemoOptions, day: int) -> tuple[float, float]:
    """This week's rate of saving or applying, and of starting work (jobseekers)."""
    placement = options.effects.placement_per_week
    return _weekly(person, options, day), placement.get(person.arm or "control", 0.0)


def _weekly(person: Person, options: DemoOptions, day: int) -> float:
    table = (
        options.effects.deposit_probability
        if person.track == Track.SAVINGS
        else options.effects.applications_per_week
    )
    after_end = options.follow_up_weeks > 0 and day >= person.enrolled_day + options.weeks * 7
    return weekly_rate(table, person.arm or "control", options.effects.persistence, after_end)


async def _enroll(
    newcomers: list[Person], admin: Admin, runtime: Runtime, day: int, console: DemoConsole
) -> None:
    """Intakes run side by side; consent and the final tap go one at a time, in a fixed order,
    so the same seed gives the same participant numbers and the same allocations."""
    if not newcomers:
        return
    codes = await admin.enrollment_codes(SITES[day % len(SITES)], len(newcomers))
    for person, code in zip(newcomers, codes, strict=True):
        await person.consent(code)
    questions = await asyncio.gather(*(person.take_intake() for person in newcomers))
    for person, question in zip(newcomers, questions, strict=True):
        await person.commit(question)
    async with runtime.database.transaction() as session:
        rows = await session.execute(
            select(Participant.telegram_user_id, Participant.arm).where(
                Participant.telegram_user_id.in_([p.user.id for p in newcomers])
            )
        )
        arms = {user_id: arm for user_id, arm in rows}
    for person in newcomers:
        person.arm, person.enrolled_day = arms.get(person.user.id), day
    console.enrolled(day, [p.arm or "?" for p in newcomers])


async def _researcher(
    result: DemoResult,
    database: Database,
    trial: Trial,
    clock: FakeClock,
    options: DemoOptions,
    console: DemoConsole,
) -> None:
    """What a researcher does at the end: pull the export and the report, read the estimates."""
    from bot.research import estimate_trial, export_trial, report_trial

    console.log("researcher: exporting the pseudonymized data and writing the report")
    if result.micro_truth:
        console.log(
            f"simulated nudge effect: relative risk {options.nudge_rr:g} in week 1, log falling "
            f"{-options.nudge_decay:g} a week; the report shows the estimates beside it"
        )
    as_of = clock.now()
    protocol = trial.protocol
    key = demo_pseudonym_key(options.seed)
    await export_trial(database, options.out / "export", key=key, protocol=protocol, as_of=as_of)
    result.report = await report_trial(
        database,
        options.out / "report",
        protocol=protocol,
        as_of=as_of,
        micro_truth=result.micro_truth,
    )
    result.export = options.out / "export"
    if len(protocol.arms) > 1:
        result.estimates = await estimate_trial(database, protocol=protocol, as_of=as_of)


def demo_protocol(protocol: Protocol, participants: int) -> tuple[Protocol, str]:
    """The shipped protocol, its peer arms offering buddies and week hosts (the demo shows every
    ingredient of a group at work), with group sizes that can fill at the demo's size.

    The demo's people are spread over two tracks and every age band, so a pool of the peer arm
    holds about participants / (arms × tracks × bands) people: far fewer than the shipped
    minimum of 10 at the default 150. The demo then lets groups form from a third of the
    shipped minimum (at least 3), and says so (the returned text; empty when unchanged).
    """
    protocol = with_ingredients(protocol, DEMO_INGREDIENTS)
    groups = protocol.groups
    per_pool = participants / max(1, len(protocol.arms) * 2 * len(protocol.age_bands))
    if per_pool >= groups.min_size:
        return protocol, ""
    smallest = max(3, min(groups.min_size, round(per_pool)))
    changed = groups.model_copy(update={"min_size": smallest})
    said = (
        f"groups of {smallest} to {groups.max_size} (the protocol says {groups.min_size} to "
        f"{groups.max_size}; a pool holds about {per_pool:.0f} at this size)"
    )
    return protocol.model_copy(update={"groups": changed}), said


DEMO_INGREDIENTS = (Component.BUDDY, Component.HOST_ROTATION)


def with_ingredients(protocol: Protocol, components: tuple[Component, ...]) -> Protocol:
    """Each arm with peer groups also offers `components` (unless a group factorial draws them)."""
    factorial = protocol.group_factorial
    drawn = set(factorial.factors) if factorial is not None else set()
    arms = tuple(
        arm.model_copy(
            update={
                "components": (
                    *arm.components,
                    *(c for c in components if c not in arm.components and c not in drawn),
                )
            }
        )
        if arm.has(Component.PEER_GROUP)
        else arm
        for arm in protocol.arms
    )
    return protocol.model_copy(update={"arms": arms})


def demo_pseudonym_key(seed: int) -> str:
    """The demo's pseudonym key: the bot recognises returning people with it, the export links."""
    return f"demo-pseudonym-key-{seed}"
