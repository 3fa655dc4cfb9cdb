"""The participant's menu: a persistent keyboard of big buttons, one layout per track.

Every answer to a participant who finished the intake carries it (see `Turn.say`), so it is
there after the intake and comes back whenever Telegram lost it. A tap sends the label as text;
`label_meaning` turns it back into what was meant, in either language.
"""

from __future__ import annotations

from functools import cache

from bot.db.study import IntakeStep, Participant, ParticipantStatus
from bot.i18n import Language, text
from experiments.protocol import Track

ASK = "ask"  # the counsellor inbox: shown only to someone with a counsellor (see menu_for)
UNDO = "undo"  # take back the last entry: beside the logging buttons
TOOK_OUT = "took_out"  # money taken out of savings (participants/money_out.py)
LAYOUTS = {
    Track.SAVINGS: (("saved", TOOK_OUT, UNDO), ("progress", "help"), (ASK,)),
    Track.JOBSEARCH: (
        ("applied", "interview"),
        ("job", "training", UNDO),
        ("progress", "help"),
        (ASK,),
    ),
}


def menu_keys(participant: Participant | None) -> tuple[tuple[str, ...], ...]:
    """The menu's rows of keys (saved, progress, …) for this person, or () before the intake
    is done."""
    if (
        participant is None
        or participant.step is not IntakeStep.DONE
        or participant.status is ParticipantStatus.ERASED
    ):
        return ()
    layout = LAYOUTS.get(participant.track, ()) if participant.track is not None else ()
    # only arms with counsellor_contact get one, and only until their intervention ends
    if participant.counsellor_id is None or participant.ended_at is not None:
        layout = tuple(row for row in layout if ASK not in row)
    return layout


def menu_for(participant: Participant | None, language: Language) -> tuple[tuple[str, ...], ...]:
    """The menu's rows of labels for this person, or () before the intake is done."""
    return tuple(
        tuple(text(language, f"menu.{key}") for key in row) for row in menu_keys(participant)
    )


@cache
def _meanings() -> dict[str, str]:
    return {
        text(language, f"menu.{key}"): key
        for language in Language
        for rows in LAYOUTS.values()
        for row in rows
        for key in row
    }


def label_meaning(label: str) -> str | None:
    """ "💶 Ik heb gespaard" → "saved"; None for text that is not a menu label."""
    return _meanings().get(label.strip())


def all_labels() -> list[str]:
    """Every menu label in every language, for the handler's filter."""
    return sorted(_meanings())
