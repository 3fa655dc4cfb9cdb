"""Button data: one typed codec for everything the bot puts behind an inline button.

Telegram gives a button's data back verbatim, but anyone can send any data (a modified client, a
forged update), so a press is decoded here into one of a few typed requests, each checked for
shape: an unknown prefix, a missing part, a number where none belongs or a value outside what the
bot ever offers decodes to None and changes nothing. Amounts are integer cents, never guessed from
the number of digits. Each request names the question it answers (the intake step, the survey
item), so a service can tell a stale button from a live one. A button that would record a deposit
or a step names its offer (a row the bot stored when it made the button, see
`participants/offers.py`) and repeats the offer's value: the row decides what is recorded, and a
button whose value differs from its row's is refused as altered.

Telegram allows 1-64 bytes of callback data; `encode` refuses anything longer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from bot.outbox import Button
from bot.services import group_presses, lasting_presses, survey_presses
from bot.services.group_presses import SUGGESTIONS as SUGGESTIONS
from bot.services.group_presses import TOGETHER_ACTIONS as TOGETHER_ACTIONS
from bot.services.group_presses import Checkin as Checkin
from bot.services.group_presses import SendSuggestion as SendSuggestion
from bot.services.group_presses import Together as Together
from bot.services.group_presses import TogetherAction as TogetherAction
from bot.services.lasting_presses import Retained as Retained
from bot.services.lasting_presses import StartingBalance as StartingBalance
from bot.services.lasting_presses import Withdraw as Withdraw
from bot.services.survey_presses import Answer as Answer
from bot.services.survey_presses import ContinueSurvey as ContinueSurvey
from bot.services.survey_presses import GoOn as GoOn
from bot.services.survey_presses import Later as Later
from bot.services.survey_presses import Toggle as Toggle
from experiments.protocol import TRACKS, Language, Track

MAX_BYTES: Final = 64
# codes, instrument and item ids: letters, digits, '_' and '-' only, so ':' always separates
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_NUMBER = re.compile(r"^(0|[1-9][0-9]{0,9})$")  # no sign, no leading zeros, at most 10 digits
ACTION_DETAILS: Final[dict[str, tuple[str, ...]]] = {
    "job": ("offer_part_time", "offer_full_time", "started_part_time", "started_full_time"),
    "training": ("apprenticeship", "school", "course"),
}

# what a person can do by one tap besides logging (participants/shortcuts.py): the same service
# as the command of that name
SHORTCUTS: Final = (
    "survey", "goal", "language", "pause", "resume", "stop", "mydata", "delete", "together",
)  # fmt: skip

_CHOICES: Final = frozenset(str(n) for n in range(6))  # a protocol offers at most 6 canned replies

CountedKind = Literal["applied", "interview"]


@dataclass(frozen=True)
class Consent:
    """Yes or no to the consent text offered for enrollment code `code`."""

    agreed: bool
    code: str


@dataclass(frozen=True)
class ChooseLanguage:
    language: Language


@dataclass(frozen=True)
class ChooseTrack:
    track: Track


@dataclass(frozen=True)
class Commit:
    """The intake's commitment: cents per period for savers, applications for jobseekers."""

    amount: int


@dataclass(frozen=True)
class ChangeGoal:
    """A new commitment offered by /goal (same units as `Commit`)."""

    amount: int


@dataclass(frozen=True)
class Deposit:
    """A deposit of `cents`, stored as offer `offer` (one press of its question records one)."""

    cents: int
    offer: int


@dataclass(frozen=True)
class Steps:
    """`count` job-search steps of `kind`, stored as offer `offer`."""

    kind: CountedKind
    count: int
    offer: int


@dataclass(frozen=True)
class TypeInstead:
    """ "Another amount" or "more": the person will type it (`what` is dep, out, applied,
    interview)."""

    what: Literal["dep", "out", "applied", "interview"]


@dataclass(frozen=True)
class ConfirmStop:
    """Yes to "do you want to stop?" asked after everyday words such as "stop"."""


@dataclass(frozen=True)
class Shortcut:
    """A tap that does what the command `name` does (one of SHORTCUTS), for those who tap."""

    name: str


@dataclass(frozen=True)
class Dismiss:
    """No to a question that would have recorded something: nothing is recorded."""


@dataclass(frozen=True)
class ActionDetail:
    """What kind of job or training a /job or /training was, stored as offer `offer`."""

    kind: str
    detail: str
    offer: int


@dataclass(frozen=True)
class Undo:
    """Yes to "remove your last entry?": the correction of entry `event`, stored as offer
    `offer` (the row decides what is recorded; one tap of its question records one)."""

    event: int
    offer: int


@dataclass(frozen=True)
class Keep:
    """No to "remove your last entry?" (offer `offer`): it stays, and the question is answered."""

    offer: int


@dataclass(frozen=True)
class Erase:
    confirmed: bool


@dataclass(frozen=True)
class AskAboutPlacement:
    """ "Ask my counsellor" under the word that no group can take someone in yet."""


@dataclass(frozen=True)
class ResolveFlag:
    """A counsellor closes group report `report_id`."""

    report_id: int


@dataclass(frozen=True)
class TicketReply:
    """A counsellor sends canned reply number `choice` (protocol order) to ticket `ticket_id`."""

    ticket_id: int
    choice: int


@dataclass(frozen=True)
class CloseTicket:
    """A counsellor closes ticket `ticket_id`."""

    ticket_id: int


@dataclass(frozen=True)
class SendOutreach:
    """A counsellor sends the draft of check-in `ticket_id` as it stands (one tap)."""

    ticket_id: int


@dataclass(frozen=True)
class AnswerOutreach:
    """A participant taps to answer their counsellor's check-in: their next message is it."""


# routed by the staff handlers
STAFF_PRESSES: Final = (ResolveFlag, TicketReply, CloseTicket, SendSuggestion, SendOutreach)
GROUP_PRESSES: Final = (Checkin,)  # routed by the group handlers

Press = (
    Consent
    | ChooseLanguage
    | ChooseTrack
    | Commit
    | ChangeGoal
    | Deposit
    | Withdraw
    | StartingBalance
    | Retained
    | Steps
    | TypeInstead
    | ConfirmStop
    | Shortcut
    | Dismiss
    | ActionDetail
    | Undo
    | Keep
    | Erase
    | Answer
    | Toggle
    | ContinueSurvey
    | ResolveFlag
    | TicketReply
    | CloseTicket
    | Later
    | GoOn
    | SendSuggestion
    | Together
    | Checkin
    | AskAboutPlacement
    | SendOutreach
    | AnswerOutreach
)


def counted_kind(kind: str) -> CountedKind | None:
    """`kind` if one message may log several of it (applications, interviews)."""
    if kind == "applied":
        return "applied"
    if kind == "interview":
        return "interview"
    return None


class TooLong(ValueError):
    """Button data over Telegram's 64 bytes: a bug in the caller, never user input."""


def encode(press: Press) -> str:
    """The callback data for `press`; `decode(encode(p)) == p` for every valid press."""
    data = _encode(press)
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise TooLong(data)
    return data


def _encode(press: Press) -> str:
    match press:
        case Consent(agreed, code):
            return f"consent:{'yes' if agreed else 'no'}:{code}"
        case ChooseLanguage(language):
            return f"lang:{language}"
        case ChooseTrack(track):
            return f"track:{track}"
        case Commit(amount):
            return f"commit:{amount}"
        case ChangeGoal(amount):
            return f"goal:{amount}"
        case Deposit(cents, offer):
            return f"dep:{cents}:{offer}"
        case Withdraw() | StartingBalance() | Retained():
            return lasting_presses.encode(press)
        case Answer() | Toggle() | ContinueSurvey() | Later() | GoOn():
            return survey_presses.encode(press)
        case Steps(kind, count, offer):
            return f"steps:{kind}:{count}:{offer}"
        case TypeInstead(what):
            return f"type:{what}"
        case ConfirmStop():
            return "stop:yes"
        case Shortcut(name):
            return f"do:{name}"
        case Dismiss():
            return "dismiss"
        case ActionDetail(kind, detail, offer):
            return f"act:{kind}:{detail}:{offer}"
        case Undo(event, offer):
            return f"undo:{event}:{offer}"
        case Keep(offer):
            return f"keep:{offer}"
        case Erase(confirmed):
            return f"del:{'yes' if confirmed else 'no'}"
        case ResolveFlag(report_id):
            return f"flag:{report_id}"
        case TicketReply(ticket_id, choice):
            return f"tkt:{ticket_id}:{choice}"
        case CloseTicket(ticket_id):
            return f"tktx:{ticket_id}"
        case SendSuggestion() | Together() | Checkin():
            return group_presses.encode(press)
        case AskAboutPlacement():
            return "pool:ask"
        case SendOutreach(ticket_id):
            return f"otr:{ticket_id}"
        case AnswerOutreach():
            return "otra"
    raise AssertionError(press)  # pragma: no cover (mypy checks the match is exhaustive)


def button(label: str, press: Press) -> Button:
    """An inline button that sends `press` back when tapped."""
    return Button(label, encode(press))


def decode(data: str | None) -> Press | None:
    """The request behind `data`, or None for anything the bot never sends."""
    if not data or len(data.encode("utf-8")) > MAX_BYTES:
        return None
    kind, *parts = data.split(":")
    if kind in group_presses.PREFIXES:
        return group_presses.decode(kind, parts)
    if kind in lasting_presses.PREFIXES:
        return lasting_presses.decode(kind, parts)
    if kind in survey_presses.PREFIXES:
        return survey_presses.decode(kind, parts)
    match kind, parts:
        case "consent", [("yes" | "no") as answer, code] if _TOKEN.match(code):
            return Consent(answer == "yes", code)
        case "lang", [("nl" | "en") as language]:
            return ChooseLanguage(Language(language))
        case "track", [track] if track in TRACKS:
            return ChooseTrack(Track(track))
        case "commit", [amount] if _positive(amount):
            return Commit(int(amount))
        case "goal", [amount] if _positive(amount):
            return ChangeGoal(int(amount))
        case "dep", [cents, offer] if _positive(cents) and _positive(offer):
            return Deposit(int(cents), int(offer))
        case "steps", [("applied" | "interview") as kind, count, offer] if _positive(
            count
        ) and _positive(offer):
            return Steps(kind, int(count), int(offer))
        case "type", [("dep" | "out" | "applied" | "interview") as what]:
            return TypeInstead(what)
        case "stop", ["yes"]:
            return ConfirmStop()
        case "do", [name] if name in SHORTCUTS:
            return Shortcut(name)
        case "dismiss", []:
            return Dismiss()
        case "act", [action, detail, offer] if detail in ACTION_DETAILS.get(
            action, ()
        ) and _positive(offer):
            return ActionDetail(action, detail, int(offer))
        case "undo", [event, offer] if _positive(event) and _positive(offer):
            return Undo(int(event), int(offer))
        case "keep", [offer] if _positive(offer):
            return Keep(int(offer))
        case "del", [("yes" | "no") as answer]:
            return Erase(answer == "yes")
        case "flag", [report] if _positive(report):
            return ResolveFlag(int(report))
        case "tkt", [ticket, choice] if _positive(ticket) and choice in _CHOICES:
            return TicketReply(int(ticket), int(choice))
        case "tktx", [ticket] if _positive(ticket):
            return CloseTicket(int(ticket))
        case "pool", ["ask"]:
            return AskAboutPlacement()
        case "otr", [ticket] if _positive(ticket):
            return SendOutreach(int(ticket))
        case "otra", []:
            return AnswerOutreach()
    return None


def _positive(number: str) -> bool:
    return bool(_NUMBER.match(number)) and int(number) > 0
