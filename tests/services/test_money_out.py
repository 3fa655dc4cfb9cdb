"""A balance (issue 29, build 1): a saver logs money taken out of their savings; the receipt,
/progress, the group's counts, the export and the analysis agree on deposits, net savings and
the balance from the starting balance given at intake; ↩️ takes a withdrawal back like any
entry; and no text about a withdrawal ever judges."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.i18n import Language, catalogue
from bot.research import read_trial
from bot.services.participants import money_out, participation
from bot.services.participants.money import format_amount
from bot.services.runner import TurnRunner
from bot.services.trial import Trial
from experiments.allocation import Pseudonymizer
from experiments.analysis import outcome_frame
from experiments.outputs import build_tables
from experiments.protocol import Balance
from tests.services.conftest import (
    BIRTH_YEAR,
    Person,
    Said,
    an_answer,
    enroll,
    events_of,
    new_code,
    nl,
)


def _euros(cents: int) -> str:
    return format_amount(cents, Language.NL)


@pytest.fixture
def trial(trial: Trial) -> Trial:
    """The shipped study, asking savers their starting balance."""
    asked = trial.protocol.model_copy(update={"balance": Balance(ask_starting_balance=True)})
    return Trial(asked, trial.allocation_seed, trial.pseudonym_key, staff=trial.staff)


async def _enroll_with_balance(person: Person, runner: TurnRunner, typed: str | None) -> Said:
    """A saver's intake: the starting balance typed (or skipped), then €10 a week."""
    [consent] = await person.start(await new_code(runner))
    await person.press(consent.buttons[0])
    await person.press("lang:nl")
    await person.type(BIRTH_YEAR)
    question = (await person.press("track:savings"))[-1]
    while answer := an_answer(question.buttons):
        question = (await person.press(answer))[-1]
    assert question.text == nl("starting_balance.ask")
    said = await (person.type(typed) if typed is not None else person.press("bal:skip"))
    assert said[-1].buttons[0].startswith("commit:")
    return (await person.press("commit:1000"))[-1]


async def _deposit(person: Person, cents: int) -> None:
    [how_much] = await person.tap(nl("menu.saved"))
    [choice] = [data for data in how_much.buttons if data.startswith(f"dep:{cents}:")]
    await person.press(choice)


async def _take_out(person: Person, cents: int) -> Said:
    [how_much] = await person.tap(nl("menu.took_out"))
    [choice] = [data for data in how_much.buttons if data.startswith(f"out:{cents}:")]
    [receipt] = await person.press(choice)
    return receipt


async def test_a_saver_withdraws_and_the_balance_receipts_and_export_agree(
    runner: TurnRunner, clock: FakeClock, trial: Trial
) -> None:
    sanne = Person(runner, 5301, "Sanne")
    await _enroll_with_balance(sanne, runner, "150")
    await _deposit(sanne, 2000)
    clock.advance(timedelta(days=1))
    receipt = await _take_out(sanne, 5000)
    clock.advance(timedelta(days=1))
    [progress] = await sanne.run(participation.progress)

    assert receipt.text == "\n".join(
        [
            nl("money_out.noted", amount=_euros(5000)),
            nl("money_out.net", out=_euros(5000), net=_euros(-3000)),
            nl("money_out.balance", balance=_euros(12000)),
        ]
    )
    assert nl("money_out.balance", balance=_euros(12000)) in progress.text.splitlines()
    assert progress.text.startswith(
        nl(
            "progress.savings",
            deposits="1 keer",
            total=_euros(2000),
            period_total=_euros(2000),
            goal=_euros(1000),
        )
    )
    assert [(e.kind, e.amount_cents) for e in await events_of(sanne)] == [
        ("starting_balance", 15000),
        ("deposit", 2000),
        ("money_out", 5000),
    ]
    pseudonymizer = Pseudonymizer("k")
    tables = build_tables(
        await read_trial(runner.database, clock.now()), pseudonymizer, protocol=trial.protocol
    )
    kinds = tables["events"][["kind", "amount_cents"]].astype("object").values.tolist()
    assert kinds == [["starting_balance", 15000], ["deposit", 2000], ["money_out", 5000]]
    frame = outcome_frame(tables, trial.protocol, clock.now()).iloc[0]
    assert (frame["deposits"], frame["saved_eur"]) == (1, 20.0)  # a withdrawal is no deposit
    assert frame["balance_eur"] == 120.0
    assert frame["relapse"] == 0.0  # from a peak of €170 down to €120: less than half


async def test_a_withdrawal_is_undone_like_any_entry(runner: TurnRunner, clock: FakeClock) -> None:
    sanne = Person(runner, 5302, "Sanne")
    await _enroll_with_balance(sanne, runner, None)
    await _deposit(sanne, 2000)
    await _take_out(sanne, 1000)
    [question] = await sanne.tap(nl("menu.undo"))
    assert question.text.startswith(
        "Je laatste invoer: " + nl("undo.what_money_out", amount=_euros(1000))
    )
    [receipt] = await sanne.press(question.buttons[0])
    events = await events_of(sanne)

    assert [(e.kind, e.amount_cents) for e in events] == [
        ("deposit", 2000),
        ("money_out", 1000),
        ("money_out_correction", -1000),
    ]
    assert events[-1].corrects_event_id == events[1].id
    # nothing taken out any more, and no starting balance given: nothing else to say
    assert receipt.text == nl(
        "undo.done_money_out",
        what=nl("undo.what_money_out", amount=_euros(1000)),
        button=nl("menu.took_out"),
    )


async def test_a_typed_withdrawal_waits_for_one_tap(runner: TurnRunner) -> None:
    sanne = Person(runner, 5303, "Sanne")
    await _enroll_with_balance(sanne, runner, "0")
    [question] = await sanne.type("ik heb 25 euro van mijn spaargeld opgenomen")
    assert question.text == nl("money_out.confirm", amount=_euros(2500))
    assert [e.kind for e in await events_of(sanne)] == ["starting_balance"]

    await sanne.press(question.buttons[0])

    assert [(e.kind, e.amount_cents) for e in await events_of(sanne)][-1] == ("money_out", 2500)


async def test_a_jobseeker_has_no_money_to_take_out(runner: TurnRunner) -> None:
    ria = Person(runner, 5304, "Ria")
    await enroll(ria, runner, track="jobsearch", commitment="commit:3")

    [refusal] = await ria.run(lambda turn, trial: money_out.withdraw(turn, trial, "20"))

    assert refusal.text == nl("activity.deposit_for_savers")
    assert [e.kind for e in await events_of(ria)] == []


SHAMING = (
    "jammer", "helaas", "niet goed", "fout", "slecht", "zonde", "moet", "waarom",
    "pity", "unfortunately", "shame", "too bad", "should", "bad", "why", "wrong", "failed",
)  # fmt: skip


@pytest.mark.parametrize("language", list(Language))
def test_a_withdrawal_text_never_shames(language: Language) -> None:
    texts = catalogue(language)
    about = [k for k in texts if k.startswith(("money_out.", "undo.done_money_out"))]
    assert about
    for key in about:
        words = texts[key].lower()
        assert not [word for word in SHAMING if word in words], key


async def test_a_deposit_receipt_shows_the_balance_the_intake_promised(
    runner: TurnRunner, clock: FakeClock, trial: Trial
) -> None:
    """ "Later you see how your savings grow", the intake says to a saver who gives a starting
    balance: each deposit's receipt ends with it (as a withdrawal's does); without one, no line."""
    sanne = Person(runner, 5311, "Sanne")
    await _enroll_with_balance(sanne, runner, "150")
    [how_much] = await sanne.tap(nl("menu.saved"))
    [choice] = [data for data in how_much.buttons if data.startswith("dep:500:")]
    [receipt] = await sanne.press(choice)
    ria = Person(runner, 5312, "Ria")
    await _enroll_with_balance(ria, runner, None)
    [how_much] = await ria.tap(nl("menu.saved"))
    [choice] = [data for data in how_much.buttons if data.startswith("dep:500:")]
    [skipped] = await ria.press(choice)

    assert receipt.text.endswith("\n" + nl("money_out.balance", balance=_euros(15500)))
    assert "\n" not in skipped.text, "no starting balance, no balance line"
