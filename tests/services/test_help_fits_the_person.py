"""Help fits the person (issue 25.2): the help, the command list, the guesses at typos and the
answer to /ask name only what this person's track and arm have, and say what to tap; /stop asks
the same one-tap confirmation as "ik wil stoppen"; commands keep working."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.delivery import OutboxMessage
from bot.db.study import Participant, ParticipantStatus, Role, StaffMember
from bot.db.tickets import Ticket
from bot.outbox import OutboxKind
from bot.services.participants import fallback, guide, participation
from bot.services.participants.commands import COMMAND_NAMES
from bot.services.runner import TurnRunner
from tests.services.conftest import Person, Said, enroll, new_code, nl, participant_of
from tests.texts import said

JOBSEEKER_LABELS = ("applied", "interview", "job", "training")


async def _in_arm(person: Person, arm: str, *, counsellor: bool = False) -> None:
    """Put an enrolled person in `arm` (the draw is random), with a counsellor or none."""
    runner = person.runner
    async with runner.database.transaction() as session:
        participant = await session.scalar(
            select(Participant).where(Participant.telegram_user_id == person.user_id)
        )
        assert participant is not None
        participant.arm = arm
        participant.counsellor_id = None
        if counsellor:
            staff = StaffMember(
                telegram_user_id=9001,
                role=Role.COUNSELLOR,
                joined_at=runner.clock.now(),
                last_active_at=runner.clock.now(),
            )
            session.add(staff)
            await session.flush()
            participant.counsellor_id = staff.id


async def _enrolled(
    person: Person, runner: TurnRunner, track: str, arm: str, *, counsellor: bool = False
) -> None:
    commitment = "commit:1000" if track == "savings" else "commit:2"
    await enroll(person, runner, track=track, commitment=commitment)
    await _in_arm(person, arm, counsellor=counsellor)


async def _help(person: Person) -> Said:
    [answer] = await person.run(guide.show_help)
    return answer


async def test_a_text_arm_jobseekers_help_names_no_counsellor_no_savings_and_no_command(
    person: Person, runner: TurnRunner
) -> None:
    await _enrolled(person, runner, "jobsearch", "text")
    answer = await _help(person)
    assert "begeleider" not in answer.text
    assert nl("menu.saved") not in answer.text
    assert "/" not in answer.text, "no command to type"
    assert all(nl(f"menu.{key}") in answer.text for key in JOBSEEKER_LABELS)
    assert said(answer.text, "help.participant", example=nl("help.example_jobsearch"))


async def test_a_control_savers_help_names_no_counsellor_and_no_job_search(
    person: Person, runner: TurnRunner
) -> None:
    await _enrolled(person, runner, "savings", "control")
    answer = await _help(person)
    assert "begeleider" not in answer.text
    assert not any(nl(f"menu.{key}") in answer.text for key in JOBSEEKER_LABELS)
    assert nl("menu.saved") in answer.text


async def test_someone_with_a_counsellor_finds_the_ask_button_in_the_help(
    person: Person, runner: TurnRunner
) -> None:
    await _enrolled(person, runner, "savings", "peer", counsellor=True)
    answer = await _help(person)
    line = nl("help.tap_line", label=nl("menu.ask"), what=nl("help.tap.ask"))
    assert line in answer.text


async def test_the_help_offers_goal_language_pause_stop_and_data_as_taps(
    person: Person, runner: TurnRunner
) -> None:
    await _enrolled(person, runner, "jobsearch", "text")
    answer = await _help(person)
    assert answer.buttons == [
        "do:goal",
        "do:language",
        "do:pause",
        "do:stop",
        "do:mydata",
        "do:delete",
    ]


async def test_a_paused_persons_help_offers_messages_again_instead_of_pause(
    person: Person, runner: TurnRunner
) -> None:
    await _enrolled(person, runner, "savings", "text")
    await person.press("do:pause")
    answer = await _help(person)
    assert "do:resume" in answer.buttons
    assert "do:pause" not in answer.buttons


async def test_asking_a_counsellor_without_one_shows_what_one_can_do_instead(
    person: Person, runner: TurnRunner
) -> None:
    await _enrolled(person, runner, "jobsearch", "text")
    [answer] = await person.run(lambda turn, trial: guide.ask_counsellor(turn, trial, "Hallo?"))
    assert answer.text.startswith(nl("help.no_counsellor"))
    assert said(answer.text, "help.participant", within=True)
    assert "/help" not in answer.text, "no pointer back to where they came from"
    async with runner.database.snapshot() as session:
        assert list(await session.scalars(select(Ticket))) == []


async def test_asking_with_a_counsellor_still_reaches_them(
    person: Person, runner: TurnRunner
) -> None:
    await _enrolled(person, runner, "savings", "peer", counsellor=True)
    [answer] = await person.run(lambda turn, trial: guide.ask_counsellor(turn, trial, None))
    assert answer.text == nl("inbox.type_question")


async def test_a_jobseekers_slip_near_deposit_is_not_offered_deposit(
    person: Person, runner: TurnRunner
) -> None:
    await _enrolled(person, runner, "jobsearch", "text")
    [answer] = await person.run(
        lambda turn, trial: fallback.unknown_command(turn, trial, "/deposti 10")
    )
    assert answer.text == nl("fallback.unknown_command")


async def test_a_savers_slip_near_deposit_is_offered_deposit(
    person: Person, runner: TurnRunner
) -> None:
    await _enrolled(person, runner, "savings", "text")
    [answer] = await person.run(
        lambda turn, trial: fallback.unknown_command(turn, trial, "/deposti 10")
    )
    assert answer.text == nl("fallback.did_you_mean", command="/deposit 10")


async def test_a_savers_slip_near_applied_is_not_offered_applied(
    person: Person, runner: TurnRunner
) -> None:
    await _enrolled(person, runner, "savings", "text")
    [answer] = await person.run(
        lambda turn, trial: fallback.unknown_command(turn, trial, "/aplied")
    )
    assert answer.text == nl("fallback.unknown_command")


async def test_the_command_list_beside_the_text_field_fits_the_track(
    person: Person, runner: TurnRunner
) -> None:
    await enroll(person, runner, track="jobsearch", commitment="commit:2")
    async with runner.database.snapshot() as session:
        payloads = list(
            await session.scalars(
                select(OutboxMessage.payload)
                .where(OutboxMessage.kind == OutboxKind.COMMANDS)
                .order_by(OutboxMessage.id)
            )
        )
    listed = [command["command"] for command in payloads[-1]["commands"]]
    assert "applied" in listed
    assert "deposit" not in listed
    assert set(listed) <= set(COMMAND_NAMES)


async def test_typed_stop_asks_the_same_confirmation_as_the_words(
    person: Person, runner: TurnRunner
) -> None:
    await _enrolled(person, runner, "savings", "text")
    typed = await person.run(participation.ask_stop)
    words = await person.type("ik wil stoppen")
    assert typed == words
    assert typed[0].text == nl("intents.confirm_stop")
    assert typed[0].buttons == ["stop:yes", "dismiss"]
    assert (await participant_of(person)).status is ParticipantStatus.ACTIVE


async def test_stopping_happens_on_the_tap_and_one_tap_turns_messages_on_again(
    person: Person, runner: TurnRunner
) -> None:
    await _enrolled(person, runner, "savings", "text")
    await person.run(participation.ask_stop)
    [stopped] = await person.press("stop:yes")
    status_after_stop = (await participant_of(person)).status
    [resumed] = await person.press(stopped.buttons[0])
    assert stopped.text == nl("stop.done")
    assert stopped.buttons == ["do:resume"]
    assert status_after_stop is ParticipantStatus.WITHDRAWN
    assert resumed.text == nl("resume.done") + " " + nl("period.kept_week", day="maandag")
    assert (await participant_of(person)).status is ParticipantStatus.ACTIVE


async def test_no_to_stopping_changes_nothing(person: Person, runner: TurnRunner) -> None:
    await _enrolled(person, runner, "savings", "text")
    await person.run(participation.ask_stop)
    [answer] = await person.press("dismiss")
    assert answer.text == nl("intents.nothing")
    assert (await participant_of(person)).status is ParticipantStatus.ACTIVE


async def test_a_shortcut_does_what_its_command_does(person: Person, runner: TurnRunner) -> None:
    await _enrolled(person, runner, "jobsearch", "text")
    [paused] = await person.press("do:pause")
    [asked] = await person.press("do:goal")
    assert paused.text == nl("pause.done")
    assert paused.buttons == ["do:resume"]
    assert (await participant_of(person)).status is ParticipantStatus.PAUSED
    assert asked.text == nl("goal.ask_jobsearch")


async def test_start_while_paused_offers_messages_again_by_a_tap(
    person: Person, runner: TurnRunner
) -> None:
    await _enrolled(person, runner, "savings", "text")
    await person.press("do:pause")
    [welcome] = await person.start(None)
    assert welcome.text == nl("start.welcome_back_paused")
    assert welcome.buttons == ["do:resume"]


async def test_help_during_the_intake_says_to_answer_and_repeats_the_open_question(
    person: Person, runner: TurnRunner
) -> None:
    [consent] = await person.start(await new_code(runner))
    await person.press(consent.buttons[0])
    await person.press("lang:nl")
    answers = await person.run(guide.show_help)
    assert [answer.text for answer in answers] == [nl("help.intake"), nl("intake.birth_year")]


async def test_help_for_someone_not_taking_part_says_how_to_join(person: Person) -> None:
    [answer] = await person.run(guide.show_help)
    assert answer.text == nl("start.welcome", name=person.first_name)
