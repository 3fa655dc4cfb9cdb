"""Everyday words, in Dutch and English, read the same however they are typed: in any case,
with or without accents, punctuation or apostrophes, with letters held down ("bedanktttt!!!",
"hallooo?") and with emoji ("👍", "🙏🏽").

A message is first put in a normal form (`normal`); a phrase is a few words in order, where
`*` lets a word end in anything ("sollicit*") and `…` allows up to three words between
("baan … gevonden"). Both sides lose their repeated letters, so "hallo" is "halo" on both.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Final

# emoji that say a word: read as that word (skin tones and variation selectors dropped first)
EMOJI_WORDS: Final = {
    **dict.fromkeys("👍👌✅🆗🙂😊😀😃😄💪👏", "ok"),
    **dict.fromkeys("🙏❤♥💙💚💜🧡💛🥰😍🤗", "thanks"),
    "👋": "hallo",
}
_MODIFIERS = re.compile("[\U0001f3fb-\U0001f3ff\ufe0e\ufe0f\u200d]")
_APOSTROPHES = re.compile("['’‘`´]")
_NOT_A_WORD = re.compile(r"[^a-z0-9]+")
_HELD_DOWN = re.compile(r"([a-z])\1+")
_ANY_ENDING = "[a-z0-9]*"
_UP_TO_THREE_WORDS = "(?: [a-z0-9]+){0,3}"
# a message this short may be only a greeting, thanks or "ok"; a longer one says more
SMALL_TALK_WORDS: Final = 6


def normal(typed: str) -> str:
    """Lower case, no accents, emoji as words, no apostrophes, other signs as spaces, and
    every letter held down typed once: "Oké!! 👍🏽" → "oke ok"."""
    words = _MODIFIERS.sub("", typed)
    words = "".join(f" {EMOJI_WORDS[sign]} " if sign in EMOJI_WORDS else sign for sign in words)
    words = unicodedata.normalize("NFKD", words.casefold())
    words = "".join(sign for sign in words if not unicodedata.combining(sign))
    words = _NOT_A_WORD.sub(" ", _APOSTROPHES.sub("", words))
    return _HELD_DOWN.sub(r"\1", words).strip()


def phrases(*written: str) -> tuple[re.Pattern[str], ...]:
    """The patterns of phrases written as described above."""
    return tuple(_compile(phrase) for phrase in written)


def _compile(phrase: str) -> re.Pattern[str]:
    pattern, gap = "", False
    for token in phrase.split():
        if token == "…":
            gap = True
            continue
        word = re.escape(normal(token.rstrip("*"))) + (_ANY_ENDING if token.endswith("*") else "")
        if pattern:
            pattern += f"{_UP_TO_THREE_WORDS} " if gap else " "
        pattern, gap = pattern + word, False
    return re.compile(rf"(?<![a-z0-9]){pattern}(?![a-z0-9])")


def says(words: str, known: Sequence[re.Pattern[str]]) -> bool:
    """Whether `words` (in normal form) hold one of the `known` phrases."""
    return any(pattern.search(words) for pattern in known)


def short(words: str) -> bool:
    """Whether `words` (in normal form) are few enough to be only small talk."""
    return 0 < len(words.split()) <= SMALL_TALK_WORDS


NEGATION: Final = phrases(
    "niet", "geen", "niks", "niets", "nooit", "nee",
    "not", "no", "dont", "didnt", "doesnt", "havent", "hasnt", "cant", "never",
)  # fmt: skip
PROGRESS: Final = phrases(
    "hoe sta ik ervoor", "hoe sta ik er voor", "voortgang", "hoe gaat het met mijn", "hoeveel",
    "tussenstand", "overzicht", "mijn totaal", "hoe ver ben ik",
    "how am i doing", "progress", "how much", "how many", "my total", "how far am i", "status",
)  # fmt: skip
SAVED: Final = phrases("gespaard", "spaar*", "opzij*", "saved", "save*", "saving*", "deposit*")
# money taken out of savings: read before SAVED ("van mijn spaargeld opgenomen")
TOOK_OUT: Final = phrases(
    "opgenomen", "geld opnemen", "afgehaald", "took out", "taken out", "withdrew", "withdrawn",
)  # fmt: skip
JOB: Final = phrases(
    "werk gevonden", "werk … gevonden", "baan* gevonden", "baan* … gevonden", "job gevonden",
    "werk gekregen", "baan* gekregen", "baan* … gekregen", "job gekregen", "aangenomen",
    "heb werk", "heb nu werk", "heb weer werk", "heb eindelijk werk", "heb een baan*",
    "heb nu een baan*", "heb weer een baan*", "heb eindelijk een baan*", "heb een job",
    "heb een nieuwe baan*", "nieuwe baan*", "nieuw werk", "nieuwe job", "contract getekend",
    "contract gekregen", "ga werken bij",
    "got … job", "found … job", "found … work", "hired", "have a job", "have a new job",
    "new job", "landed … job", "job offer", "got an offer", "start … new job",
)  # fmt: skip
# what turns a sentence about a job into something else: a wish, a search, a question, an
# interview (which is logged as one)
NOT_A_JOB: Final = NEGATION + phrases(
    "zoek*", "gezocht", "nodig", "wil", "wilt", "hoop*", "gesprek*", "heb je", "heb jij",
    "hebben jullie", "looking", "search*", "need*", "want*", "hope*", "interview*", "do you",
)  # fmt: skip
INTERVIEW: Final = phrases("gesprek*", "sollicitatiegesprek*", "interview*")
APPLIED: Final = phrases("gesolliciteerd", "sollicit*", "applied", "apply*", "application*")
HELP: Final = phrases(
    "help*", "hulp*", "menu", "uitleg", "info", "wat kan ik", "wat moet ik", "wat nu",
    "snap* … niet", "begrijp* … niet", "snap* … niks", "snap* … niets", "niet … snap*",
    "niet … begrijp*", "hoe werkt", "geen idee", "wat betekent", "wat is dit", "wat bedoel je",
    "weet niet wat", "weet niet hoe", "huh",
    "what can i", "what do i", "what should i", "what must i", "what now", "dont understand",
    "do not understand", "didnt understand", "dont get it", "dont know what", "dont know how",
    "how does this work", "how does it work", "how do i", "confused", "what is this",
    "what does … mean", "no idea", "what do you mean", "instructions",
)  # fmt: skip
STOP: Final = phrases(
    "stop*", "afmeld*", "uitschrijv*", "geen berichten meer", "unsubscribe*", "no more messages"
)
THANKS: Final = phrases("dank*", "bedankt", "thank*", "thx", "tnx", "ty", "merci")
GREETING: Final = phrases(
    "hallo", "hoi", "hey", "hai", "hi", "hello", "hiya", "yo", "moi", "goedemorgen",
    "goedemiddag", "goedenavond", "goeiemorgen", "goeiemiddag", "goeienavond", "goede morgen",
    "hoe gaat het", "alles goed", "ben je er", "is daar iemand", "salam", "selam",
    "good morning", "good afternoon", "good evening", "morning", "how are you", "are you there",
    "anyone there",
)  # fmt: skip
OK: Final = phrases(
    "ok", "oke", "okay", "okey", "oki", "prima", "top", "super", "cool", "fijn", "goed", "mooi",
    "begrepen", "duidelijk", "snap het", "begrijp het",
    "nice", "great", "fine", "alright", "all right", "perfect", "sure", "got it", "understood",
    "i understand", "i see",
)  # fmt: skip
