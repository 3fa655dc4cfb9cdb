"""The export's dose tables (issue 27.2): `dose_by_arm` and `dose_by_group`, counted from the
exported events and delivery rows by `experiments.records.dose_frames` (no person in them)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import pandas as pd  # type: ignore[import-untyped]

from experiments.protocol import Protocol
from experiments.records.dose_frames import (
    ArmDose,
    GroupDose,
    dose_by_arm,
    dose_by_group,
    dose_frame,
)

__all__ = ["DOSE_LABELS", "DOSE_TABLES", "dose_tables"]

DOSE_TABLES = ("dose_by_arm", "dose_by_group")

_SHARED = {
    "checkin_prompts": "Check-in prompts (plan and review) posted in the groups",
    "checkin_plans": "Check-in: member-weeks with a plan (a changed plan counts once)",
    "checkin_reviews": "Check-in: member-weeks with a review (a changed answer counts once)",
    "member_messages": "Messages members wrote in their group (never their text)",
    "counsellor_posts": "Posts of the counsellor in the group(s)",
    "digests": "The counsellor's weekly digests of the group(s)",
}
DOSE_LABELS: dict[tuple[str, str], str] = {
    **{("dose_by_arm", name): label for name, label in _SHARED.items()},
    **{("dose_by_group", name): label for name, label in _SHARED.items()},
    ("dose_by_arm", "participants"): "Participants allocated to the arm",
    ("dose_by_arm", "messages_delivered"): "Private messages handed to Telegram (no read "
    "receipts exist)",
    ("dose_by_arm", "topics_private"): "Curriculum topics delivered privately",
    ("dose_by_arm", "topics_in_groups"): "Curriculum topics posted in the arm's groups",
    ("dose_by_arm", "group_weeks"): "Weeks the arm's groups ran (to close or the data date)",
    ("dose_by_arm", "questions"): "Questions asked to the counsellor",
    ("dose_by_arm", "questions_answered"): "Questions answered at least once",
    ("dose_by_arm", "answers"): "Answers the counsellor gave",
    ("dose_by_arm", "median_answer_hours"): "Median hours from a question to its first answer",
    ("dose_by_arm", "outreach_sent"): "1:1 check-ins a counsellor started (outreach)",
    ("dose_by_arm", "outreach_answered"): "Participants' answers to outreach",
    ("dose_by_group", "members"): "People placed in the group",
    ("dose_by_group", "joined"): "Of whom joined the group chat",
    ("dose_by_group", "weeks"): "Weeks from formation to close or the data date",
    ("dose_by_group", "topics"): "Curriculum topics posted in the group",
    ("dose_by_group", "counsellor_answers"): "Counsellor answers to the group's members",
}


def dose_tables(
    tables: Mapping[str, pd.DataFrame], protocol: Protocol | None, as_of: datetime
) -> dict[str, pd.DataFrame]:
    """Dose per arm (the protocol's arms, else those allocated) and per peer group."""
    if protocol is not None:
        arms = [arm.name for arm in protocol.arms]
    else:
        arms = sorted(str(a) for a in tables["participants"]["arm"].dropna().unique())
    groups = dose_by_group(tables, as_of)
    return {
        "dose_by_arm": dose_frame(dose_by_arm(tables, arms, as_of, groups=groups), ArmDose),
        "dose_by_group": dose_frame(groups, GroupDose),
    }
