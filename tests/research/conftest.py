"""A small trial in a real database, full of identifying values that must never be exported."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
import typer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.research import export, report
from bot.clock import FakeClock
from bot.db.delivery import ChatType, OutboxMessage, OutboxStatus, UnreachableChat
from bot.db.engine import Database
from bot.db.group_weeks import GroupWeek
from bot.db.groups import GroupMember, GroupStatus, MemberStatus, PeerGroup
from bot.db.study import (
    ConsentRefusals,
    Event,
    IntakeStep,
    Participant,
    ParticipantStatus,
    Site,
    SurveyAnswer,
)
from bot.db.together import GroupEvent, MemberChoices
from bot.outbox.messages import Priority
from bot.services.participants.allocation import allocate
from bot.services.trial import Trial
from experiments.records import EventKind, GroupEventKind
from tests.experiments.shipped import shipped_protocol

SEED = "research-test-allocation-seed"
KEY = "research-test-pseudonym-key"
# Distinctive values: were any of them to leak, a byte scan finds it and nothing else.
TELEGRAM_IDS = (7_310_942_861, 6_128_733_905, 5_904_417_263, 8_472_019_336, 7_777_314_159)
FIRST_NAMES = ("Zebedeus", "Xantippe", "Quirinius", "Wolfhardt", "Yselmonde")
USERNAMES = ("zebedeus_q9x", "xantippe_77k", "quirinius_zz", "wolfhardt_4u", "yselmonde_qq")
GROUP_CHAT_ID = -1_003_918_264_507

# The commands as bot.cli.main will register them.
app = typer.Typer(pretty_exceptions_enable=False)
app.command("export")(export)
app.command("report")(report)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No LOTGENOOT_* variable or .env file from the developer's shell leaks in."""
    for name in list(os.environ):
        if name.startswith("LOTGENOOT_") and not name.startswith("LOTGENOOT_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def needles() -> list[str]:
    """Every identifying value planted in the database, as text."""
    ids = [str(i) for i in TELEGRAM_IDS] + [str(GROUP_CHAT_ID), str(-GROUP_CHAT_ID)]
    return ids + list(FIRST_NAMES) + list(USERNAMES)


async def populate(database: Database, clock: FakeClock) -> list[int]:
    """Five participants (one erased) with events, answers and messages; their internal ids."""
    trial = Trial(shipped_protocol(), SEED, "research-pseudonym-key")
    now = clock.now()
    ids = []
    async with database.transaction() as session:
        site = Site(name="Utrecht", created_at=now)
        session.add(site)
        await session.flush()
        session.add(ConsentRefusals(site_id=site.id, count=3))
        for index, telegram_id in enumerate(TELEGRAM_IDS):
            moment = now + timedelta(days=index)
            person = Participant(
                telegram_user_id=telegram_id,
                site_id=site.id,
                language="nl",
                consent_version="2026-01",
                consented_at=moment,
                step=IntakeStep.COMMITMENT,
                birth_year=1990 + index,
                age_band="26-35",
                track="savings" if index % 2 == 0 else "jobsearch",
                commitment_cents=1000 if index % 2 == 0 else None,
                commitment_applications=None if index % 2 == 0 else 3,
                status=ParticipantStatus.ACTIVE,
            )
            session.add(person)
            await session.flush()
            await allocate(session, person, trial, moment)
            person.step = IntakeStep.DONE
            ids.append(person.id)
            _activity(session, person, index)
        last = await session.get(Participant, ids[-1])
        assert last is not None
        last.telegram_user_id = None
        last.status = ParticipantStatus.ERASED
        last.erased_at = now + timedelta(days=20)
        session.add(UnreachableChat(chat_id=TELEGRAM_IDS[1], since=now, reason="Forbidden"))
    return ids


def _activity(session: AsyncSession, person: Participant, index: int) -> None:
    """Deposits or applications with identifying details, answers, and delivered messages."""
    telegram_id, name, username = TELEGRAM_IDS[index], FIRST_NAMES[index], USERNAMES[index]
    start = person.allocated_at
    assert start is not None
    for day in range(1, 15, 3):
        detail = {
            "first_name": name,
            "username": username,
            "from_id": telegram_id,
            "note": f"Hoi {name}",
            "what": "school",
            "streak": day,
        }
        kind, cents, quantity = (
            (EventKind.DEPOSIT, 1250, None) if index % 2 == 0 else (EventKind.APPLIED, None, 1)
        )
        session.add(
            Event(
                participant_id=person.id,
                kind=kind,
                amount_cents=cents,
                quantity=quantity,
                detail=detail,
                occurred_at=start + timedelta(days=day),
                source="telegram",
                dedupe_key=f"update:{telegram_id}:{day}",
            )
        )
    for item in range(1, 11):
        session.add(
            SurveyAnswer(
                participant_id=person.id,
                wave="baseline",
                instrument="gse",
                item=f"gse{item}",
                value=1 + (item + index) % 4,
                answered_at=start - timedelta(minutes=5),
            )
        )
    for number, status in enumerate((OutboxStatus.SENT, OutboxStatus.FAILED)):
        session.add(
            OutboxMessage(
                intent_key=f"nudge:{telegram_id}:{username}:{number}",
                chat_id=telegram_id,
                chat_type=ChatType.PRIVATE,
                method="sendMessage",
                payload={"chat_id": telegram_id, "text": f"Goed gedaan {name} (@{username})!"},
                kind="congratulation",
                participant_id=person.id,
                status=status,
                priority=Priority.PERSONAL,
                rank_at=start,
                not_before=start,
                attempts=1,
                last_error=f"chat {telegram_id} of {username}" if number else None,
                created_at=start,
                sent_at=start + timedelta(seconds=3) if status is OutboxStatus.SENT else None,
            )
        )


async def add_peer_group(database: Database, participant_ids: list[int], clock: FakeClock) -> None:
    """A bound peer group of the first three participants, with every identifying column set."""
    now = clock.now()
    async with database.transaction() as session:
        group = PeerGroup(
            code=USERNAMES[0][:16],
            arm="peer",
            track="savings",
            age_band="26-35",
            language="nl",
            formed_size=3,
            status=GroupStatus.ACTIVE,
            counsellor_id=None,
            telegram_chat_id=GROUP_CHAT_ID,
            formed_at=now + timedelta(days=10),
            bound_at=now + timedelta(days=11),
            curriculum_week=2,
        )
        session.add(group)
        await session.flush()
        for number, pid in enumerate(participant_ids[:3]):
            session.add(
                GroupMember(
                    group_id=group.id,
                    participant_id=pid,
                    tag=USERNAMES[number][:16],
                    status=MemberStatus.JOINED,
                    invite_link=f"https://t.me/+{USERNAMES[number]}",
                    link_sent_at=now + timedelta(days=11),
                    joined_at=now + timedelta(days=12),
                    warnings=0,
                )
            )
        await session.flush()
        # the one name Lotgenoot keeps (a member's chosen name) and a group's own event
        session.add(
            MemberChoices(
                participant_id=participant_ids[0],
                group_id=group.id,
                shown_name=FIRST_NAMES[0],
                pending_name=FIRST_NAMES[1],
                sharing_since=now + timedelta(days=12),
                hosted=0,
            )
        )
        session.add(
            GroupEvent(
                group_id=group.id,
                kind=GroupEventKind.HOST_WEEK,
                week_start=now + timedelta(days=12),
                quantity=1,
                occurred_at=now + timedelta(days=12),
            )
        )
        # a check-in week whose Telegram message ids must never reach a file
        session.add(
            GroupWeek(
                group_id=group.id, week_start=now + timedelta(days=14),
                week_end=now + timedelta(days=21), members=3, plans=2, reviews_yes=1,
                reviews_partly=0, reviews_no=1, plan_posted_at=now + timedelta(days=14, hours=10),
                goal_unit="cents", goal_target=3500, goal_progress=1000, goal_stale=False,
                plan_message_id=TELEGRAM_IDS[3], goal_message_id=TELEGRAM_IDS[4],
                goal_event_id=TELEGRAM_IDS[2], shown={"plan": USERNAMES[1]},
            )
        )  # fmt: skip
        # what happened to the group as a whole (SPEC §11.5); the key names the chat
        session.add(
            GroupEvent(
                group_id=group.id,
                kind=GroupEventKind.COUNSELLOR_POST,
                occurred_at=now + timedelta(days=13),
                via="chat",
                dedupe_key=f"cpost:{GROUP_CHAT_ID}:7",
            )
        )
