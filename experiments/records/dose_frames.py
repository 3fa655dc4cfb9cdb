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
    tables: Mapping[str, pd.DataFrame],
    arms: Sequence[str],
    as_of: datetime,
    *,
    groups: Sequence[GroupDose] | None = None,
) -> list[ArmDose]:
    """One row per arm, in the order given (arms without participants count zero); `groups` is
    `dose_by_group(tables, as_of)` when the caller has it already (it is the slow part)."""
    people = tables["participants"]
    arm_of = dict(zip(people["pseudonym"], people["arm"], strict=True))
    events = _events(tables)
    kinds = events.groupby([events["pseudonym"].map(arm_of), "kind"]).size()
    checkins = _checkin_weeks(events, tables)
    weeks = checkins.groupby([checkins["pseudonym"].map(arm_of), "kind"]).size()
    messages = tables.get("messages", pd.DataFrame(columns=["pseudonym", "kind", "status"]))
    sent = messages[messages["status"] == "sent"]
    sent_arm = sent["pseudonym"].map(arm_of)
    private = sent_arm[sent["kind"].isin(CURRICULUM_MESSAGE_KINDS)].value_counts()
    delivered = sent_arm.value_counts()
    groups = dose_by_group(tables, as_of) if groups is None else groups
    answers = _answer_hours(events)
    waits = pd.DataFrame({"arm": answers.index.map(arm_of), "hours": answers.to_numpy()})
    answered = waits.groupby("arm")["hours"].size()
    median = waits.groupby("arm")["hours"].median()
    rows = []
    for arm in arms:
        own = [g for g in groups if g.arm == arm]
        rows.append(
            ArmDose(
                arm=arm,
                participants=int((people["arm"] == arm).sum()),
                messages_delivered=_at(delivered, arm),
                topics_private=_at(private, arm),
                topics_in_groups=sum(g.topics for g in own),
                checkin_prompts=sum(g.checkin_prompts for g in own),
                checkin_plans=_at(weeks, (arm, EventKind.CHECKIN_PLAN)),
                checkin_reviews=_at(weeks, (arm, EventKind.CHECKIN_REVIEW)),
                member_messages=_at(kinds, (arm, EventKind.GROUP_MESSAGE)),
                counsellor_posts=sum(g.counsellor_posts for g in own),
                digests=sum(g.digests for g in own),
                group_weeks=sum(g.weeks for g in own),
                questions=_at(kinds, (arm, EventKind.TICKET_OPENED)),
                questions_answered=_at(answered, arm),
                answers=_at(kinds, (arm, EventKind.TICKET_ANSWERED)),
                median_answer_hours=float(median[arm]) if _at(answered, arm) else None,
                outreach_sent=_at(kinds, (arm, OUTREACH_SENT)),
                outreach_answered=_at(kinds, (arm, OUTREACH_ANSWERED)),
            )
        )
    return rows


def dose_by_group(tables: Mapping[str, pd.DataFrame], as_of: datetime) -> list[GroupDose]:
    """One row per peer group formed, by group number."""
    groups = tables.get("groups")
    if groups is None or groups.empty or "group_id" not in groups.columns:
        return []
    members = tables.get("memberships", pd.DataFrame(columns=["pseudonym", "group_id"]))
    members = members.dropna(subset=["group_id"])
    events = _events(tables)
    kinds = events.groupby([_group_of(events, members), "kind"]).size()
    checkins = _checkin_weeks(events, tables)
    plans = checkins.groupby(["group", "kind"]).size()
    happened = tables.get("group_events", pd.DataFrame(columns=["group_id", "kind"]))
    posts = happened.groupby([happened["group_id"].astype("int64"), "kind"]).size()
    placed = members["group_id"].astype("int64").value_counts()
    status = members.get("status", pd.Series("", index=members.index))
    joined = members.loc[status == "joined", "group_id"].astype("int64").value_counts()
    prompts = _prompts(tables.get("group_weeks"))
    arms = _arms(groups, members, tables["participants"])
    return [
        GroupDose(
            group_id=gid,
            arm=arms.get(gid, ""),
            members=_at(placed, gid),
            joined=_at(joined, gid),
            weeks=_weeks(group, as_of),
            topics=_topics(group),
            checkin_prompts=_at(prompts, gid),
            checkin_plans=_at(plans, (gid, EventKind.CHECKIN_PLAN)),
            checkin_reviews=_at(plans, (gid, EventKind.CHECKIN_REVIEW)),
            member_messages=_at(kinds, (gid, EventKind.GROUP_MESSAGE)),
            counsellor_posts=_at(posts, (gid, GroupEventKind.COUNSELLOR_POST)),
            counsellor_answers=_at(posts, (gid, GroupEventKind.COUNSELLOR_ANSWER)),
            digests=_at(posts, (gid, GroupEventKind.DIGEST_SENT)),
        )
        for gid, group in zip(
            groups["group_id"].astype("int64"), groups.to_dict("records"), strict=True
        )
    ]


def dose_frame(rows: Sequence[ArmDose] | Sequence[GroupDose], kind: type) -> pd.DataFrame:
    """The rows (of `kind`: ArmDose or GroupDose) as a table, one column per field."""
    columns = [f.name for f in fields(kind)]
    return pd.DataFrame([asdict(row) for row in rows], columns=columns)


_DOSE_KINDS: Final = (
    EventKind.GROUP_MESSAGE,
    EventKind.CHECKIN_PLAN,
    EventKind.CHECKIN_REVIEW,
    EventKind.TICKET_OPENED,
    EventKind.TICKET_ANSWERED,
    OUTREACH_SENT,
    OUTREACH_ANSWERED,
)


def _events(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The events that are dose (not outcomes: those are most of them)."""
    events = tables["events"]
    return events[events["kind"].isin(_DOSE_KINDS)].reset_index(drop=True)


def _at(counts: pd.Series, key: object) -> int:
    """A count from a (grouped) size, 0 where nothing was counted."""
    try:
        return int(counts.get(key, 0))
    except (KeyError, TypeError):
        return 0


def _group_of(events: pd.DataFrame, members: pd.DataFrame) -> pd.Series:
    """Each event's peer group: its own `detail_group` when it has one (a group message), else
    the person's group (a person is placed in one group at most)."""
    first = members.drop_duplicates("pseudonym")
    person = events["pseudonym"].map(first.set_index("pseudonym")["group_id"])
    person = pd.to_numeric(person, errors="coerce")
    if "detail_group" in events.columns:
        person = pd.to_numeric(events["detail_group"], errors="coerce").fillna(person)
    return person.astype("Int64")


def _checkin_weeks(events: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Member-weeks with a plan, and with a review (`pseudonym`, `kind`, `group`, `week`): a
    changed answer is a new event, so each person counts once per kind and week, the group's
    check-in week (the latest that began before the answer), else the calendar week."""
    rows = events[events["kind"].isin((EventKind.CHECKIN_PLAN, EventKind.CHECKIN_REVIEW))]
    members = tables.get("memberships", pd.DataFrame(columns=["pseudonym", "group_id"]))
    at = pd.to_datetime(rows["occurred_at"], utc=True)
    frame = pd.DataFrame(
        {
            "pseudonym": rows["pseudonym"],
            "kind": rows["kind"],
            "group": _group_of(rows, members.dropna(subset=["group_id"])),
            "at": at,
            "week": (at.dt.floor("D") - pd.to_timedelta(at.dt.day_of_week, unit="D")),
        }
    )
    weeks = tables.get("group_weeks")
    if weeks is not None and not weeks.empty and not frame.empty:
        starts = pd.DataFrame(
            {
                "key": weeks["group_id"].astype("int64"),
                "start": pd.to_datetime(weeks["week_start"], utc=True),
            }
        ).sort_values("start")
        frame["key"] = frame["group"].fillna(-1).astype("int64")
        found = pd.merge_asof(
            frame.reset_index().sort_values("at"),
            starts,
            left_on="at",
            right_on="start",
            by="key",
            direction="backward",
        ).set_index("index")["start"]
        frame["week"] = found.reindex(frame.index).fillna(frame["week"])
    return frame.drop_duplicates(["pseudonym", "kind", "week"])[["pseudonym", "kind", "group"]]


def _prompts(weeks: pd.DataFrame | None) -> pd.Series:
    """Check-in prompts (plan and review) posted per group."""
    if weeks is None or weeks.empty:
        return pd.Series(dtype="int64")
    posted = weeks[["plan_posted_at", "review_posted_at"]].notna().sum(axis=1)
    return posted.groupby(weeks["group_id"].astype("int64")).sum()


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


def _topics(group: Mapping[str, object]) -> int:
    """Curriculum topics posted in the group: `curriculum_week` is the next one to post."""
    week = group.get("curriculum_week")
    return 0 if week is None or pd.isna(week) else max(int(week) - 1, 0)  # type: ignore[call-overload]


def _arms(groups: pd.DataFrame, members: pd.DataFrame, people: pd.DataFrame) -> dict[int, str]:
    """Each group's arm, or its members' (the most common) when the groups table does not say."""
    arm_of = dict(zip(people["pseudonym"], people["arm"], strict=True))
    by_members = members["pseudonym"].map(arm_of).groupby(members["group_id"].astype("int64"))
    found = {int(gid): str(arms.mode().iloc[0]) for gid, arms in by_members if arms.notna().any()}
    if "arm" in groups.columns:
        for gid, arm in zip(groups["group_id"].astype("int64"), groups["arm"], strict=True):
            if isinstance(arm, str) and arm:
                found[int(gid)] = arm
    return found


def _weeks(group: Mapping[str, object], as_of: datetime) -> float:
    """Weeks from formation to the close (or the data date)."""
    start = pd.to_datetime(group.get("formed_at"), utc=True)
    if pd.isna(start):
        return 0.0
    end = pd.to_datetime(group.get("closed_at"), utc=True)
    stop = pd.Timestamp(as_of) if pd.isna(end) else end
    return max(float((stop - start) / _WEEK), 0.0)
