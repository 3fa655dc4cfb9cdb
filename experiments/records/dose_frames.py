"""Delivery, dose and fidelity per arm and per peer group, counted from the export's events and
delivery rows only: never from what anybody wrote (issue 27.2, issue 26). For the report
(through `experiments.analysis.dose`, which adds the costs) and the export's dose tables; like
`ledger_frames`, not imported by `experiments.records` itself (it loads pandas).

"Delivered" means the outbox handed the message to Telegram (`messages.status == "sent"`):
Telegram gives bots no read receipts, so nobody can say a message was read. A changed
check-in answer is a new event: a member-week counts once, whatever they changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from typing import Final

import pandas as pd  # type: ignore[import-untyped]

from experiments.records.events import EventKind
from experiments.records.group_events import GroupEventKind

__all__ = [
    "CURRICULUM_MESSAGE_KINDS",
    "OUTREACH_ANSWERED",
    "OUTREACH_SENT",
    "ArmDose",
    "GroupDose",
    "dose_by_arm",
    "dose_by_group",
    "dose_frame",
]

# The counsellor's 1:1 check-ins (issue 27.1), by name so this counts them once they exist and
# zero before: a check-in the counsellor sent, and the participant's answer to one.
OUTREACH_SENT: Final = "outreach_sent"
OUTREACH_ANSWERED: Final = "outreach_answered"
# Outbox kinds of a curriculum topic sent to one person (the private curriculum, issue 27.1).
CURRICULUM_MESSAGE_KINDS: Final = ("curriculum", "private_curriculum")
_WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class ArmDose:
    """What one arm received and did, in totals over its allocated participants."""

    arm: str
    participants: int
    messages_delivered: int  # private messages handed to Telegram (no read receipts exist)
    topics_private: int  # curriculum topics delivered privately
    topics_in_groups: int  # curriculum topics posted in the arm's groups
    checkin_prompts: int  # plan and review prompts posted in the arm's groups
    checkin_plans: int  # member-weeks with a plan
    checkin_reviews: int  # member-weeks with an answer to "did it work out?"
    member_messages: int  # messages members wrote in their group
    counsellor_posts: int  # posts of the counsellor in the arm's groups
    digests: int  # the counsellor's weekly group digests
    group_weeks: float  # weeks the arm's groups ran (formation to close or the data date)
    questions: int  # questions to the counsellor
    questions_answered: int  # questions with at least one answer
    answers: int  # answers the counsellor gave (a question may get several)
    median_answer_hours: float | None  # time to the first answer, median over questions
    outreach_sent: int  # 1:1 check-ins a counsellor started
    outreach_answered: int  # answers to them

    def per_participant(self, count: float) -> float | None:
        """A total as a mean per allocated participant."""
        return count / self.participants if self.participants else None


@dataclass(frozen=True, slots=True)
class GroupDose:
    """What one peer group received and did."""

    group_id: int
    arm: str
    members: int  # people placed in the group (any membership status)
    joined: int  # of whom joined the chat
    weeks: float
    topics: int
    checkin_prompts: int
    checkin_plans: int
    checkin_reviews: int
    member_messages: int
    counsellor_posts: int
    counsellor_answers: int
    digests: int


def dose_by_arm(
    tables: Mapping[str, pd.DataFrame], arms: Sequence[str], as_of: datetime
) -> list[ArmDose]:
    """One row per arm, in the order given (arms without participants count zero)."""
    people = tables["participants"]
    arm_of = dict(zip(people["pseudonym"], people["arm"], strict=True))
    events = _events(tables)
    by_arm = events["pseudonym"].map(arm_of)
    messages = tables.get("messages", pd.DataFrame(columns=["pseudonym", "kind", "status"]))
    sent = messages[messages["status"] == "sent"]
    sent_arm = sent["pseudonym"].map(arm_of)
    groups = dose_by_group(tables, as_of)
    answers = _answer_hours(events)
    rows = []
    for arm in arms:
        mine = events[by_arm == arm]
        own = [g for g in groups if g.arm == arm]
        waits = answers[answers.index.isin(set(mine["pseudonym"]))]
        plans, reviews = _checkins(mine, tables)
        rows.append(
            ArmDose(
                arm=arm,
                participants=int((people["arm"] == arm).sum()),
                messages_delivered=int((sent_arm == arm).sum()),
                topics_private=int(
                    ((sent_arm == arm) & sent["kind"].isin(CURRICULUM_MESSAGE_KINDS)).sum()
                ),
                topics_in_groups=sum(g.topics for g in own),
                checkin_prompts=sum(g.checkin_prompts for g in own),
                checkin_plans=plans,
                checkin_reviews=reviews,
                member_messages=_count(mine, EventKind.GROUP_MESSAGE),
                counsellor_posts=sum(g.counsellor_posts for g in own),
                digests=sum(g.digests for g in own),
                group_weeks=sum(g.weeks for g in own),
                questions=_count(mine, EventKind.TICKET_OPENED),
                questions_answered=len(waits),
                answers=_count(mine, EventKind.TICKET_ANSWERED),
                median_answer_hours=float(waits.median()) if len(waits) else None,
                outreach_sent=_count(mine, OUTREACH_SENT),
                outreach_answered=_count(mine, OUTREACH_ANSWERED),
            )
        )
    return rows


def dose_by_group(tables: Mapping[str, pd.DataFrame], as_of: datetime) -> list[GroupDose]:
    """One row per peer group formed, by group number."""
    groups = tables.get("groups")
    if groups is None or groups.empty or "group_id" not in groups.columns:
        return []
    members = tables.get("memberships", pd.DataFrame(columns=["pseudonym", "group_id"]))
    events = _events(tables)
    group_of = _group_of(events, members)
    weeks = tables.get("group_weeks")
    happened = tables.get("group_events", pd.DataFrame(columns=["group_id", "kind"]))
    rows = []
    for _, group in groups.sort_values("group_id").iterrows():
        gid = int(group["group_id"])
        placed = members[members["group_id"] == gid]
        mine = events[group_of == gid]
        own = happened[happened["group_id"] == gid]
        plans, reviews = _checkins(mine, tables)
        prompts = 0
        if weeks is not None and not weeks.empty:
            week_rows = weeks[weeks["group_id"] == gid]
            prompts = int(week_rows["plan_posted_at"].notna().sum())
            prompts += int(week_rows["review_posted_at"].notna().sum())
        rows.append(
            GroupDose(
                group_id=gid,
                arm=_arm_of(group, placed, tables["participants"]),
                members=len(placed),
                joined=int((placed.get("status", pd.Series(dtype=str)) == "joined").sum()),
                weeks=_weeks(group, as_of),
                topics=max(int(group.get("curriculum_week", 1) or 1) - 1, 0),
                checkin_prompts=prompts,
                checkin_plans=plans,
                checkin_reviews=reviews,
                member_messages=_count(mine, EventKind.GROUP_MESSAGE),
                counsellor_posts=_count(own, GroupEventKind.COUNSELLOR_POST),
                counsellor_answers=_count(own, GroupEventKind.COUNSELLOR_ANSWER),
                digests=_count(own, GroupEventKind.DIGEST_SENT),
            )
        )
    return rows


def dose_frame(rows: Sequence[ArmDose] | Sequence[GroupDose], kind: type) -> pd.DataFrame:
    """The rows (of `kind`: ArmDose or GroupDose) as a table, one column per field."""
    columns = [f.name for f in fields(kind)]
    return pd.DataFrame([asdict(row) for row in rows], columns=columns)


def _events(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    events = tables["events"]
    return events.reset_index(drop=True)


def _count(frame: pd.DataFrame, kind: str) -> int:
    return int((frame["kind"] == kind).sum()) if len(frame) else 0


def _group_of(events: pd.DataFrame, members: pd.DataFrame) -> pd.Series:
    """Each event's peer group: its own `detail_group` when it has one (a group message), else
    the person's group (a person is placed in one group at most)."""
    first = members.dropna(subset=["group_id"]).drop_duplicates("pseudonym")
    person = events["pseudonym"].map(first.set_index("pseudonym")["group_id"])
    if "detail_group" in events.columns:
        person = pd.to_numeric(events["detail_group"], errors="coerce").fillna(person)
    return person.astype("Float64")


def _checkins(events: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> tuple[int, int]:
    """Member-weeks with a plan, and with a review: a changed answer is a new event, so each
    person counts once per week (the group's check-in week, else the calendar week)."""
    counts = []
    for kind in (EventKind.CHECKIN_PLAN, EventKind.CHECKIN_REVIEW):
        rows = events[events["kind"] == kind]
        if rows.empty:
            counts.append(0)
            continue
        weeks = _week_of(rows, tables)
        counts.append(
            int(pd.DataFrame({"p": rows["pseudonym"], "w": weeks}).drop_duplicates().shape[0])
        )
    return counts[0], counts[1]


def _week_of(rows: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> pd.Series:
    """The start of the check-in week each event falls in: the latest week of the person's
    group that began before it, or the calendar week (Monday) without group weeks."""
    at = pd.to_datetime(rows["occurred_at"], utc=True)
    calendar = (at.dt.floor("D") - pd.to_timedelta(at.dt.day_of_week, unit="D")).astype(str)
    weeks = tables.get("group_weeks")
    members = tables.get("memberships")
    if weeks is None or weeks.empty or members is None or members.empty:
        return calendar
    group = _group_of(rows, members)
    found = calendar.copy()
    for gid, starts in weeks.groupby("group_id")["week_start"]:
        mask = group == gid
        if not mask.any():
            continue
        ordered = pd.to_datetime(starts, utc=True).sort_values().to_numpy()
        position = ordered.searchsorted(at[mask].to_numpy(), side="right") - 1
        found[mask] = [
            str(ordered[i]) if i >= 0 else day
            for i, day in zip(position, calendar[mask], strict=True)
        ]
    return found


def _answer_hours(events: pd.DataFrame) -> pd.Series:
    """Hours from each question to its first answer (`detail_wait_s`), by the asker."""
    answers = events[events["kind"] == EventKind.TICKET_ANSWERED]
    if answers.empty or "detail_wait_s" not in answers.columns:
        return pd.Series(dtype="float64")
    if "detail_answer" in answers.columns:
        answers = answers[pd.to_numeric(answers["detail_answer"], errors="coerce").fillna(1) == 1]
    if "detail_ticket" in answers.columns:
        answers = answers.drop_duplicates("detail_ticket")
    hours = pd.to_numeric(answers["detail_wait_s"], errors="coerce") / 3600
    return pd.Series(hours.to_numpy(dtype="float64"), index=answers["pseudonym"]).dropna()


def _arm_of(group: pd.Series, placed: pd.DataFrame, people: pd.DataFrame) -> str:
    """The group's arm, or its members' when the groups table does not say."""
    arm = group.get("arm")
    if isinstance(arm, str) and arm:
        return arm
    arms = people.loc[people["pseudonym"].isin(set(placed["pseudonym"])), "arm"].dropna()
    return str(arms.mode().iloc[0]) if len(arms) else ""


def _weeks(group: pd.Series, as_of: datetime) -> float:
    """Weeks from formation to the close (or the data date)."""
    start = pd.to_datetime(group.get("formed_at"), utc=True)
    if pd.isna(start):
        return 0.0
    end = pd.to_datetime(group.get("closed_at"), utc=True)
    stop = pd.Timestamp(as_of) if pd.isna(end) else end
    return max(float((stop - start) / _WEEK), 0.0)
