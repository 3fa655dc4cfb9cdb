"""Logging at service level: typed deposits (and the ones refused), job-search steps with their
counts and details, and the answer once the period's goal is reached (undo: test_corrections)."""

from __future__ import annotations

from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.delivery import OutboxMessage
from bot.i18n import Language, plural
from bot.services.participants import activity, corrections
from bot.services.participants.money import format_amount
from bot.services.runner import TurnRunner
from bot.services.trial import Trial
from experiments.protocol import Component
from tests.services.conftest import Person, Said, enroll, events_of, new_code, nl, participant_of


def _money(cents: int) -> str:
    return format_amount(cents, Language.NL)


async def _deposit(person: Person, typed: str | None) -> list[Said]:
    return await person.run(lambda turn, trial: activity.deposit(turn, trial, typed))


async def _log(person: Person, kind: str, typed: str | None = None) -> list[Said]:
    return await person.run(lambda turn, trial: activity.action(turn, trial, kind, typed))


async def _undo(person: Person) -> list[Said]:
    return await person.run(lambda turn, trial: corrections.offer(turn, trial))


async def _last_kind(person: Person) -> str:
    async with person.runner.database.snapshot() as session:
        kind = await session.scalar(
            select(OutboxMessage.kind).order_by(OutboxMessage.id.desc()).limit(1)
        )
    assert kind is not None
    return kind


async def _receipt_kind(person: Person, trial: Trial) -> str:
    arm = (await participant_of(person)).arm
    assert arm is not None
    return (
        "congratulation"
        if trial.protocol.arm(arm).has(Component.CONGRATULATION)
        else ("confirmation")
    )


async def _deposits(person: Person) -> list[tuple[str, int | None]]:
    return [
        (e.kind, e.amount_cents)
        for e in await events_of(person)
        if e.kind in {"deposit", "deposit_correction"}
    ]


async def test_a_typed_deposit_is_recorded_in_cents_with_the_receipt_of_the_arm(
    runner: TurnRunner, person: Person, trial: Trial
) -> None:
    await enroll(person, runner, commitment="commit:2000")
    [receipt] = await _deposit(person, "12,50")
    assert await _deposits(person) == [("deposit", 1250)]
    kind = await _receipt_kind(person, trial)
    assert await _last_kind(person) == kind
    values = {
        "amount": _money(1250),
        "total": _money(1250),
        "period_total": _money(1250),
        "remaining": _money(750),
        "goal": _money(2000),
    }
    assert receipt.text == trial.protocol.templates.render(f"{kind}_deposit", Language.NL, values)
    [receipt] = await _deposit(person, "5")
    values |= {"amount": _money(500), "total": _money(1750), "remaining": _money(250)}
    assert receipt.text == trial.protocol.templates.render(f"{kind}_deposit", Language.NL, values)


async def test_amounts_are_read_as_people_write_them(runner: TurnRunner, person: Person) -> None:
    await enroll(person, runner)
    for typed in ("€12", "12.50", "1.234,56", "7,5", "EUR 3", "10,-", "0,05"):
        await _deposit(person, typed)
    assert [cents for _, cents in await _deposits(person)] == [
        1200,
        1250,
        123456,
        750,
        300,
        1000,
        5,
    ]


async def test_a_bad_amount_is_explained_and_records_nothing(
    runner: TurnRunner, person: Person
) -> None:
    await enroll(person, runner)
    for typed, reason in (
        ("veel", "amount.not_a_number"),
        ("12 euro 50", "amount.not_a_number"),
        ("0", "amount.not_positive"),
        ("-5", "amount.not_positive"),
        ("0,001", "amount.too_many_decimals"),
        ("12,345", "amount.too_large"),  # twelve thousand euros, over the protocol's 10.000
        ("10000,01", "amount.too_large"),
        ("9" * 5000, "amount.not_a_number"),
    ):
        [reply] = await _deposit(person, typed)
        assert reply.text == nl(reason), typed
    assert await _deposits(person) == []


async def test_the_largest_deposit_the_protocol_allows_is_recorded(
    runner: TurnRunner, person: Person, trial: Trial
) -> None:
    await enroll(person, runner)
    assert trial.protocol.limits.max_deposit_cents == 1_000_000
    await _deposit(person, "10.000")
    assert await _deposits(person) == [("deposit", 1_000_000)]


async def test_deposit_without_an_amount_offers_the_goal_as_one_button(
    runner: TurnRunner, person: Person
) -> None:
    await enroll(person, runner, commitment="commit:2000")
    [offer] = await _deposit(person, None)
    assert offer.text == nl("activity.deposit_how")
    [data] = offer.buttons
    assert data.startswith("dep:2000:")
    assert await _deposits(person) == []


async def test_a_jobseeker_is_told_deposits_are_for_savers(
    runner: TurnRunner, person: Person
) -> None:
    await enroll(person, runner, track="jobsearch", commitment="commit:3")
    [reply] = await _deposit(person, "10")
    assert reply.text == nl("activity.deposit_for_savers")
    assert await _deposits(person) == []


async def test_logging_before_the_intake_is_finished_is_refused(
    runner: TurnRunner, person: Person
) -> None:
    [consent] = await person.start(await new_code(runner))
    await person.press(consent.buttons[0])
    for said in (
        await _deposit(person, "10"),
        await _log(person, "applied", "2"),
        await _undo(person),
    ):
        assert [s.text for s in said] == [nl("activity.not_enrolled")]
    assert await events_of(person) == []


async def test_applications_are_logged_with_their_count_and_a_receipt(
    runner: TurnRunner, person: Person, trial: Trial
) -> None:
    await enroll(person, runner, track="jobsearch", commitment="commit:5")
    [receipt] = await _log(person, "applied", "3")
    kind = await _receipt_kind(person, trial)
    values = {
        "action": plural(Language.NL, "count.applications", 3),
        "period_count": "3",
        "goal": "5",
    }
    assert receipt.text == trial.protocol.templates.render(f"{kind}_action", Language.NL, values)
    [receipt] = await _log(person, "applied")
    values = {"action": nl("action.applied.name"), "period_count": "4", "goal": "5"}
    assert receipt.text == trial.protocol.templates.render(f"{kind}_action", Language.NL, values)
    assert [(e.kind, e.quantity) for e in await events_of(person)] == [
        ("applied", 3),
        ("applied", 1),
    ]


async def test_interviews_are_logged_but_do_not_count_as_applications(
    runner: TurnRunner, person: Person, trial: Trial
) -> None:
    await enroll(person, runner, track="jobsearch", commitment="commit:5")
    [receipt] = await _log(person, "interview", "2")
    kind = await _receipt_kind(person, trial)
    values = {
        "action": plural(Language.NL, "count.interviews", 2),
        "period_count": "0",
        "goal": "5",
    }
    assert receipt.text == trial.protocol.templates.render(f"{kind}_action", Language.NL, values)
    assert [(e.kind, e.quantity) for e in await events_of(person)] == [("interview", 2)]


async def test_a_bad_count_is_explained_and_records_nothing(
    runner: TurnRunner, person: Person, trial: Trial
) -> None:
    await enroll(person, runner, track="jobsearch", commitment="commit:5")
    maximum = trial.protocol.limits.max_applications_per_log
    too_many = {"maximum": maximum, "command": "/applied"}
    for kind, typed, key, params in (
        ("applied", "twee", "count.not_a_number", {"command": "/applied"}),
        ("applied", "2,5", "count.not_a_number", {"command": "/applied"}),
        ("applied", "-1", "count.not_a_number", {"command": "/applied"}),
        ("applied", "\uff13", "count.not_a_number", {"command": "/applied"}),  # full-width 3
        ("interview", "0", "count.not_positive", {"command": "/interview"}),
        (
            "applied",
            str(maximum + 1),
            "count.too_many",
            {"maximum": maximum, "command": "/applied"},
        ),
        ("applied", "9" * 5000, "count.too_many", too_many),
    ):
        [reply] = await _log(person, kind, typed)
        assert reply.text == nl(key, **params), typed
    assert await events_of(person) == []
    await _log(person, "applied", str(maximum))
    assert [(e.kind, e.quantity) for e in await events_of(person)] == [("applied", maximum)]


async def test_a_job_asks_what_happened_then_records_that_detail(
    runner: TurnRunner, person: Person
) -> None:
    await enroll(person, runner, track="jobsearch", commitment="commit:3")
    [question] = await _log(person, "job")
    assert question.text == nl("action.job.question")
    assert [data.rsplit(":", 1)[0] for data in question.buttons] == [
        "act:job:offer_part_time",
        "act:job:offer_full_time",
        "act:job:started_part_time",
        "act:job:started_full_time",
    ]
    assert await events_of(person) == [], "nothing before the detail is chosen"
    await person.press(question.buttons[0])
    [training] = await _log(person, "training")
    await person.press(training.buttons[2])
    assert [(e.kind, e.quantity, e.detail) for e in await events_of(person)] == [
        ("job", 1, {"what": "offer_part_time"}),
        ("training", 1, {"what": "course"}),
    ]


async def test_a_number_button_under_how_many_records_once_however_often_pressed(
    runner: TurnRunner, person: Person
) -> None:
    await enroll(person, runner, track="jobsearch", commitment="commit:3")
    [applied] = await person.tap(nl("menu.applied"))
    await person.press(applied.buttons[1])
    [again] = await person.press(applied.buttons[1])
    [other] = await person.press(applied.buttons[2])
    assert again.text == nl("button.answered")
    assert other.text == nl("button.answered"), "one question, one answer"
    [interview] = await person.tap(nl("menu.interview"))
    await person.press(interview.buttons[0])
    assert [(e.kind, e.quantity) for e in await events_of(person)] == [
        ("applied", 2),
        ("interview", 1),
    ]


async def test_a_saver_reaching_the_periods_goal_is_told_so(
    runner: TurnRunner, person: Person, trial: Trial
) -> None:
    await enroll(person, runner, commitment="commit:1000")
    kind = await _receipt_kind(person, trial)
    [receipt] = await _deposit(person, "4")
    assert receipt.text == trial.protocol.templates.render(
        f"{kind}_deposit",
        Language.NL,
        {"amount": _money(400), "total": _money(400), "remaining": _money(600)},
    )
    [receipt] = await _deposit(person, "6")
    assert receipt.text == nl(
        f"goal_reached.{kind}_deposit", amount=_money(600), total=_money(1000), goal=_money(1000)
    )
    assert await _last_kind(person) == kind


async def test_a_jobseeker_reaching_the_periods_goal_is_told_so_and_a_new_period_starts_at_zero(
    runner: TurnRunner, person: Person, trial: Trial, clock: FakeClock
) -> None:
    await enroll(person, runner, track="jobsearch", commitment="commit:3")
    kind = await _receipt_kind(person, trial)
    await _log(person, "applied", "2")
    [receipt] = await _log(person, "applied")
    assert receipt.text == nl(
        f"goal_reached.{kind}_action",
        action=nl("action.applied.name"),
        period_count="3",
        goal="3",
    )
    clock.advance(trial.protocol.schedule.commitment_period)
    [receipt] = await _log(person, "applied")
    values = {"action": nl("action.applied.name"), "period_count": "1", "goal": "3"}
    assert receipt.text == trial.protocol.templates.render(f"{kind}_action", Language.NL, values)
