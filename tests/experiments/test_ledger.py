"""What a person did in a window: corrections count where the entry they correct counts, and
the group's week runs from the protocol's week start in the study's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from experiments.records import CORRECTION_OF, Done, EventKind, Logged, Window, did, group_week

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
WEEK = timedelta(days=7)
MONDAY = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
LAST_WEEK = Window(MONDAY - WEEK, MONDAY)
THIS_WEEK = Window(MONDAY, MONDAY + WEEK)


def _deposit(cents: int, at: datetime, id: int) -> Logged:
    return Logged(EventKind.DEPOSIT, cents, None, at, id)


def _undo(cents: int, at: datetime, corrects: int | None) -> Logged:
    return Logged(EventKind.DEPOSIT_CORRECTION, -cents, None, at, None, corrects)


def test_undoing_last_weeks_deposit_takes_it_out_of_last_week_not_this_one() -> None:
    events = [
        _deposit(1000, MONDAY - timedelta(days=3), id=1),
        _undo(1000, MONDAY + timedelta(hours=1), corrects=1),
        _deposit(400, MONDAY + timedelta(hours=2), id=2),
    ]

    assert did(events, LAST_WEEK) == Done()
    assert did(events, THIS_WEEK) == Done(saved_cents=400, deposits=1)
    assert did(events, THIS_WEEK).saved


def test_a_deposit_undone_the_same_week_means_nobody_saved() -> None:
    events = [_deposit(300, MONDAY, id=7), _undo(300, MONDAY + timedelta(minutes=5), corrects=7)]

    assert not did(events, THIS_WEEK).saved
    assert did(events) == Done()


def test_a_correction_whose_entry_is_not_at_hand_counts_on_its_own_date() -> None:
    events = [_undo(500, MONDAY + timedelta(days=1), corrects=99)]

    assert did(events, THIS_WEEK) == Done(saved_cents=-500, deposits=-1)
    assert did(events, LAST_WEEK) == Done()


def test_a_correction_of_any_kind_counts_against_the_entry_it_corrects() -> None:
    applied = Logged(EventKind.APPLIED, None, 3, MONDAY - timedelta(days=1), id=4)
    fixed = Logged("applied_correction", None, -2, MONDAY + timedelta(days=1), None, corrects=4)
    interview = Logged(EventKind.INTERVIEW, None, 1, MONDAY + timedelta(days=2), id=5)
    undone = Logged("interview_correction", None, None, MONDAY + timedelta(days=2), None, 5)

    assert did([applied, fixed, interview, undone], LAST_WEEK).applications == 1
    assert did([applied, fixed, interview, undone], THIS_WEEK) == Done()


def test_every_kind_of_entry_has_a_correction_that_takes_it_back() -> None:
    for number, (entry, correction) in enumerate(CORRECTION_OF.items(), start=1):
        logged = Logged(entry, 500 if entry is EventKind.DEPOSIT else None, 2, MONDAY, number)
        undone = Logged(correction, None, None, MONDAY + timedelta(hours=1), None, number)
        assert did([logged]) != Done(), entry
        assert did([logged, undone]) == Done(), correction


def test_a_job_search_correction_whose_entry_is_not_at_hand_still_knows_its_kind() -> None:
    """An export cut at a data date keeps both, but a reader may filter: the kind says what."""
    events = [
        Logged(EventKind.APPLIED_CORRECTION, None, -3, MONDAY, None, corrects=99),
        Logged(EventKind.JOB_CORRECTION, None, None, MONDAY, None, corrects=98),
    ]

    assert did(events, THIS_WEEK) == Done(applications=-3, jobs=-1)


def test_steps_count_by_quantity_and_a_step_without_one_counts_once() -> None:
    events = [
        Logged(EventKind.APPLIED, None, 2, MONDAY),
        Logged(EventKind.INTERVIEW, None, None, MONDAY),
        Logged(EventKind.TRAINING, None, 1, MONDAY),
        Logged(EventKind.GROUP_MESSAGE, None, None, MONDAY),
    ]

    done = did(events, THIS_WEEK)

    assert (done.applications, done.interviews, done.trainings, done.steps) == (2, 1, 1, 4)
    assert done.took_step
    assert done.placed
    assert not done.saved


def test_a_window_holds_its_start_but_not_its_end_unless_closed() -> None:
    events = [_deposit(100, MONDAY, id=1), _deposit(200, MONDAY + WEEK, id=2)]

    assert did(events, THIS_WEEK).saved_cents == 100
    assert did(events, Window(MONDAY, MONDAY + WEEK, closed=True)).saved_cents == 300


def test_the_group_week_runs_from_local_monday_midnight_across_summer_time() -> None:
    before = group_week(datetime(2026, 3, 25, 12, 0, tzinfo=UTC), WEEK, AMSTERDAM)
    across = group_week(datetime(2026, 3, 30, 12, 0, tzinfo=UTC), WEEK, AMSTERDAM)

    assert before == Window(
        datetime(2026, 3, 22, 23, tzinfo=UTC), datetime(2026, 3, 29, 22, tzinfo=UTC)
    )
    assert across.start == before.end  # summer time began on the 29th: a week one hour short
    assert across.end == datetime(2026, 4, 5, 22, tzinfo=UTC)


def test_the_group_week_starts_on_the_protocols_day_and_short_demo_weeks_follow_on() -> None:
    sunday = group_week(MONDAY, WEEK, AMSTERDAM, "sunday")
    demo = group_week(MONDAY + timedelta(minutes=4), timedelta(minutes=3), AMSTERDAM)

    assert sunday.start == datetime(2026, 1, 3, 23, tzinfo=UTC)
    assert demo.start is not None
    assert demo.end is not None
    assert demo.start <= MONDAY + timedelta(minutes=4) < demo.end
    assert demo.end - demo.start == timedelta(minutes=3)
