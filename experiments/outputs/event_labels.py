"""Every kind of person-level event in words, for the codebook (a test checks none is missing)."""

from __future__ import annotations

from experiments.records import EventKind

__all__ = ["EVENT_LABELS"]

# A correction (the participant's Undo) is an event of its own, never a deletion: it names the
# entry in corrects_event_id and carries minus its amount_cents or quantity, so summing an
# entry kind with its correction kind gives what the participant did (experiments.records.ledger.did
# counts a correction in the period of the entry it corrects).
EVENT_LABELS: dict[EventKind, str] = {
    EventKind.DEPOSIT: "Deposit (self-reported saving)",
    EventKind.DEPOSIT_CORRECTION: "Correction of a deposit (Undo; minus its amount)",
    EventKind.APPLIED: "Job application",
    EventKind.INTERVIEW: "Job interview",
    EventKind.JOB: "Job offer or start",
    EventKind.TRAINING: "Apprenticeship, school or course",
    EventKind.PAUSE: "Paused nudges",
    EventKind.RESUME: "Resumed nudges",
    EventKind.WITHDRAWAL: "Withdrew from messages",
    EventKind.GROUP_JOIN: "Joined their peer group",
    EventKind.GROUP_LEAVE: "Left (or was removed from) their peer group",
    EventKind.GROUP_MESSAGE: "Wrote a message in their peer group (its text is never kept)",
    EventKind.GROUP_PLACED: "Placed in a peer group (detail_group, detail_decision, "
    "detail_waited_days)",
    EventKind.POOL_NOT_PLACEABLE: "Waited past the limit and could not be placed in any group "
    "(detail_waiting, detail_needed); told once",
    EventKind.TICKET_OPENED: "Asked their counsellor a question (counsellor inbox)",
    EventKind.TICKET_ANSWERED: "Counsellor answered a question (detail_reply, detail_wait_s)",
    EventKind.TICKET_CLOSED: "Question closed",
    EventKind.TICKET_ESCALATED: "Unanswered question escalated to an admin",
    EventKind.CHECKIN_PLAN: "Chose a plan for the week in the group check-in (the last one counts)",
    EventKind.CHECKIN_REVIEW: "Said whether the week's plan worked out (the last answer counts)",
    EventKind.APPLIED_CORRECTION: "Correction of job applications (Undo; minus their quantity)",
    EventKind.INTERVIEW_CORRECTION: "Correction of job interviews (Undo; minus their quantity)",
    EventKind.JOB_CORRECTION: "Correction of a job offer or start (Undo; quantity -1)",
    EventKind.TRAINING_CORRECTION: "Correction of a training (Undo; quantity -1)",
    EventKind.SHARING_ON: "Chose to have their steps shown in their group (name confirmed)",
    EventKind.SHARING_OFF: "Stopped having their steps shown in their group",
    EventKind.PROGRESS_SHARED: "A step of theirs shown in their group (detail_step)",
    EventKind.BUDDY_ON: "Asked for a buddy in their group (name confirmed)",
    EventKind.BUDDY_OFF: "No longer wants a buddy (detail_how: self, left_group, erased)",
    EventKind.BUDDY_PAIRED: "Paired with a buddy (detail_pair; detail_size 2, or 3 for a trio)",
    EventKind.BUDDY_UNPAIRED: "Out of a buddy pair (detail_why: stopped, buddy_left, regrouped)",
    EventKind.BUDDY_LINE: "Got the week's private line about their buddy",
    EventKind.BUDDY_CHEER: "Sent their buddy the fixed encouragement",
    EventKind.HOST_ON: "Volunteered to host a week of their group",
    EventKind.HOST_OFF: "Withdrew from hosting",
    EventKind.HOST_WEEK: "Hosted a week of their group (detail_topic: curriculum week, 0: none)",
    EventKind.HOST_TOPIC_POSTED: "As host, had the bot post the week's topic naming them",
    EventKind.HOST_PIN: "As host, had a message pinned in their group",
    EventKind.TICKET_REOPENED: "Participant wrote again about an answered question",
    EventKind.MONEY_OUT: "Money taken out of savings (self-reported; amount_cents; not a deposit)",
    EventKind.MONEY_OUT_CORRECTION: "Correction of money taken out (Undo; minus its amount)",
    EventKind.STARTING_BALANCE: "Savings at intake (optional; amount_cents; savers only)",
    EventKind.WORK_KEPT: "Answer to 'do you still have this work?' after a job or training start "
    "(quantity 1 yes, 0 no or other; detail_check, detail_retained, detail_start_kind)",
    EventKind.INTERVENTION_ENDED: "Intervention ended (schedule.intervention_length after "
    "allocation): told what continues; nudges stop, logging and follow-up go on",
    EventKind.LINKED_OUTCOME: "An administrative outcome from a registry, linked by a trusted "
    "third party (source administrative; detail_outcome, detail_origin and detail_date, "
    "detail_answer or detail_number); a later import that differs corrects it "
    "(corrects_event_id)",
    EventKind.MESSAGE_DEFERRED: "A message nobody asked for waited (detail_message, "
    "detail_reason, detail_until)",
    EventKind.MESSAGE_DROPPED: "A message nobody asked for was not sent (detail_message, "
    "detail_reason)",
    EventKind.TOPIC_DELIVERED: "A curriculum topic delivered privately (arms with the curriculum "
    "but no peer group; detail_week)",
    EventKind.OUTREACH_PROMPTED: "Their counsellor was asked to check in with them, with a draft "
    "(counsellor_outreach; detail_ticket, detail_round)",
    EventKind.OUTREACH_SENT: "Their counsellor sent them a check-in (detail_ticket, detail_round, "
    "detail_reply: draft or typed, detail_wait_s since the prompt)",
    EventKind.OUTREACH_ANSWERED: "Answered their counsellor's check-in (detail_ticket, "
    "detail_round, detail_wait_s since it was sent)",
}
