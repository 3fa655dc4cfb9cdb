"""What happened: the event vocabulary and the one rule for "who did what in a window".

`EventKind` names every event the bot writes; `did(events, window)` says what a person logged in
a window (SPEC §11.2), for the bot's counts and, through `experiments.records.ledger_frames`
(pandas, imported by its own path), for the analysis. Nothing here imports the rest of
`experiments`.
"""

from experiments.records.events import (
    CHECKIN_KINDS,
    CORRECTION_KINDS,
    CORRECTION_OF,
    DEPOSIT_KINDS,
    ENTRY_KINDS,
    JOB_SEARCH_KINDS,
    LOGGED_KINDS,
    MESSAGE_BUDGET_KINDS,
    MONEY_ENTRY_KINDS,
    MONEY_OUT_KINDS,
    OUTREACH_KINDS,
    TICKET_KINDS,
    TOGETHER_KINDS,
    EventKind,
)
from experiments.records.group_events import GroupEventKind
from experiments.records.ledger import (
    CORRECTS,
    EVER,
    NOTHING,
    WEEKDAYS,
    Counted,
    Done,
    Logged,
    Step,
    Weekday,
    Window,
    contributions,
    did,
    group_week,
)

__all__ = [
    "CHECKIN_KINDS",
    "CORRECTION_KINDS",
    "CORRECTION_OF",
    "CORRECTS",
    "DEPOSIT_KINDS",
    "ENTRY_KINDS",
    "EVER",
    "JOB_SEARCH_KINDS",
    "LOGGED_KINDS",
    "MESSAGE_BUDGET_KINDS",
    "MONEY_ENTRY_KINDS",
    "MONEY_OUT_KINDS",
    "NOTHING",
    "OUTREACH_KINDS",
    "TICKET_KINDS",
    "TOGETHER_KINDS",
    "WEEKDAYS",
    "Counted",
    "Done",
    "EventKind",
    "GroupEventKind",
    "Logged",
    "Step",
    "Weekday",
    "Window",
    "contributions",
    "did",
    "group_week",
]
