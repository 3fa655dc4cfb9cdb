"""Which catalogue placeholders carry numbers, and which number chooses each plural text.

A plural text is a table of CLDR categories (`other` always among them). `text()` picks the
form by the number in the placeholder named here (`count` when the key is not listed), so a
call site passes plain numbers: `text(language, "pool.merged", size=7)`.

Every placeholder in the catalogues is one of NUMBERS (a count or a figure, formatted the
language's way), IDENTIFIERS (numbers that name something: group #3, question #12) or WORDS;
the catalogue tests refuse a placeholder that is none of them, and render every text that
carries a number with 0, 1, 2 and 5 to check its forms.
"""

from __future__ import annotations

from typing import Final

__all__ = ["CHOSEN_BY", "CHOSEN_BY_A_LIST", "IDENTIFIERS", "NUMBERS", "WORDS", "chooser"]

# the placeholder whose number chooses the form of a plural text, when it is not `count`
CHOSEN_BY: Final[dict[str, str]] = {
    "counsellor.line_savings": "messages",
    "counsellor.line_jobsearch": "messages",
    "groups.bound": "sent",
    "groups.links_failed": "needed",
    "inbox.escalation": "hours",
    "inbox.reminder": "hours",
    "inbox.too_long": "limit",
    "join.overdue_head": "days",
    "join.overdue_line": "days",
    "pool.formed_small": "size",
    "pool.joined_group": "size",
    "pool.merged": "size",
    "alerts.counsellor_inactive": "days",
    "alerts.group_small": "members",
    "alerts.pool_overdue": "days",
    "together.name.type": "limit",
    "together.name.refused": "limit",
    "staff.card.name_invalid": "limit",
}

# plural texts whose form follows how many names a list holds (the caller passes that count;
# the text shows the names, not the number)
CHOSEN_BY_A_LIST: Final = ("join.welcome", "together.buddy.paired")

NUMBERS: Final = frozenset(
    {
        "allocated", "assigned", "codes", "consented", "count", "days", "declined", "doing",
        "enrolled", "expected", "got", "high", "hours", "joined", "length", "limit",
        "low", "made", "maximum", "members", "messages", "minimum", "n", "needed", "never",
        "number", "opens", "others", "partly", "planners", "period_count", "seconds", "sent",
        "shown", "size", "yes",
    }
)  # fmt: skip

IDENTIFIERS: Final = frozenset(
    {"group", "id", "owner_id", "report", "staff", "task", "ticket", "wave", "week"}
)

WORDS: Final = frozenset(
    {
        "action", "amount", "answer", "answers", "applications", "arm", "balance", "band",
        "button", "by",
        "choice", "counsellor", "date", "day", "draft",
        "code", "done", "end", "left", "post", "posts", "spoken", "summary", "tags", "weeks",
        "command", "deposits", "duration", "example", "explanation", "goal", "gone", "groups",
        "head",
        "instructions", "interviews", "item", "label", "lead", "lines", "link", "links", "log",
        "missing", "more",
        "name", "names", "net", "numbers", "options", "out", "plan", "progress", "prompt",
        "questions",
        "reach", "target", "topic",
        "owner", "parts", "people", "period_total", "question", "reason", "reminders", "rights",
        "role", "roles", "rules", "site", "state", "steps", "tag", "tickets", "total", "track",
        "version", "what", "when", "who", "why", "window", "words",
    }
)  # fmt: skip


def chooser(key: str) -> str:
    """The placeholder whose number chooses the form of the plural text `key`."""
    return CHOSEN_BY.get(key, "count")
