"""One week with a deposit, a correction and a job-search step: the group's weekly post, the
counsellor's /groups and /group, the participant's /progress and the analysis all count it the
same way (`experiments.records.ledger.did`: a correction counts in the week of the entry it
corrects)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.delivery import OutboxMessage
from bot.db.groups import GroupMember, GroupStatus, MemberStatus, PeerGroup
from bot.i18n import Language, plural
from bot.research import read_trial
from bot.services.participants import activity, participation
from bot.services.participants.money import format_amount
from bot.services.peer_groups.posts import scan_group_progress
from bot.services.runner import TurnRunner
from bot.services.staff import counsellor_desk
from bot.services.trial import Trial
from experiments.allocation import Pseudonymizer
from experiments.analysis import outcome_frame
from experiments.outputs import build_tables
from experiments.records.ledger_frames import done_frame
from tests.services.conftest import Person, enroll, nl, participant_of, undo

ADMIN = 1


async def _deposit(person: Person, typed: str) -> None:
    await person.run(lambda turn, trial: activity.deposit(turn, trial, typed))


async def _undo(person: Person) -> None:
    await undo(person)


async def _group(runner: TurnRunner, track: str, members: list[Person], chat: int) -> int:
    """A bound peer group of `members`, all joined, as formation and /bind leave it."""
    now = runner.clock.now()
    ids = [(await participant_of(member)).id for member in members]
    async with runner.database.transaction() as session:
        group = PeerGroup(
            code=f"G{chat}",
            arm="peer",
            track=track,
            age_band="21-25",
            language="nl",
            formed_size=len(members),
            status=GroupStatus.ACTIVE,
            telegram_chat_id=-chat,
            formed_at=now,
            bound_at=now,
            next_progress_at=runner.trial.protocol.group_week(now).end,
        )
        session.add(group)
        await session.flush()
        session.add_all(
            GroupMember(
                group_id=group.id,
                participant_id=participant_id,
                tag=f"m-{chat}-{participant_id}",
                status=MemberStatus.JOINED,
                joined_at=now,
            )
            for participant_id in ids
        )
        return group.id


async def _posts(runner: TurnRunner) -> dict[int, str]:
    async with runner.database.snapshot() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "group_progress")
        )
        return {row.chat_id or 0: row.payload["text"] for row in rows}


async def test_the_group_post_groups_group_progress_and_analysis_agree_on_one_week(
    runner: TurnRunner, clock: FakeClock, trial: Trial
) -> None:
    anna, ben, cas = (Person(runner, user_id) for user_id in (5101, 5102, 5103))
    dan, eve = (Person(runner, user_id) for user_id in (5104, 5105))
    for saver in (anna, ben, cas):
        await enroll(saver, runner)
    for jobseeker in (dan, eve):
        await enroll(jobseeker, runner, track="jobsearch", commitment="commit:2")
    savers = await _group(runner, "savings", [anna, ben, cas], chat=71)
    await _group(runner, "jobsearch", [dan, eve], chat=72)
    clock.advance(timedelta(days=6))
    await _deposit(anna, "10")  # the week before (on Sunday: undone within the protocol's window)
    clock.advance(timedelta(days=1, hours=1))
    week = trial.protocol.group_week(clock.now())
    # Anna undoes last week's €10 and saves €4; Ben saves €5; Cas saves €3 and undoes it.
    await _undo(anna)
    await _deposit(anna, "4")
    await _deposit(ben, "5")
    await _deposit(cas, "3")
    await _undo(cas)
    await dan.run(lambda turn, trial: activity.action(turn, trial, "applied", "2"))
    clock.advance(timedelta(days=2))

    admin = Person(runner, ADMIN)
    [overview] = await admin.run(counsellor_desk.list_groups)
    [shown] = await admin.run(lambda turn, t: counsellor_desk.show_group(turn, t, savers, {}))
    [progress] = await anna.run(participation.progress)
    clock.advance(timedelta(days=5))  # Monday morning: the week is over
    async with runner.database.transaction() as session:
        await scan_group_progress(session, trial, clock.now())
    posts = await _posts(runner)
    pseudonymizer = Pseudonymizer("k")
    tables = build_tables(await read_trial(runner.database, clock.now()), pseudonymizer)
    ids = {p.user_id: (await participant_of(p)).id for p in (anna, ben, cas, dan, eve)}
    names = pseudonymizer.pseudonyms(ids.values())

    # the post, /groups and /group: Anna and Ben saved this week, Dan took a step
    assert posts[-71] == trial.protocol.templates.render(
        "group_progress_savings", Language.NL, {"active": "2", "members": "3"}
    )
    two = plural(Language.NL, "count.applications", 2)
    assert posts[-72] == trial.protocol.templates.render(
        "group_progress_jobsearch",
        Language.NL,
        {"active": "1", "members": "2", "applications": two},
    )
    assert "gespaard: 2" in overview.text
    assert "een stap gezet in het zoeken: 1" in overview.text
    assert nl("counsellor.week_savings", doing=2, joined=3) in shown.text
    # /progress: €4 this week and in all, one deposit (two made, one undone); then the line
    # that names the day the week starts
    assert progress.text.rsplit("\n", 1)[0] == nl(
        "progress.savings",
        total=format_amount(400, Language.NL),
        deposits=plural(Language.NL, "count.deposits", 1),
        period_total=format_amount(400, Language.NL),
        goal=format_amount(1000, Language.NL),
    )
    # the analysis: the same week from the export, and the same totals since allocation
    assert week.start is not None
    assert week.end is not None
    start = {names[i]: week.start for i in ids.values()}
    end = {names[i]: week.end for i in ids.values()}
    in_week = done_frame(tables["events"], start, end)
    saved = (
        in_week["saved_eur"].reindex([names[ids[p.user_id]] for p in (anna, ben, cas)]).fillna(0)
    )
    assert saved.tolist() == [4.0, 5.0, 0.0]
    assert in_week.loc[names[ids[dan.user_id]], "applications"] == 2
    frame = outcome_frame(tables, trial.protocol, clock.now()).set_index("pseudonym")
    assert frame.loc[names[ids[anna.user_id]], ["deposits", "saved_eur"]].tolist() == [1.0, 4.0]
    assert frame.loc[names[ids[dan.user_id]], "applications"] == 2
