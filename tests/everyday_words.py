"""Everyday phrases people type, in Dutch and English, by what they mean."""

from __future__ import annotations

# What people write to the bot in their own words, and the intent each must be read as: the
# phrases of issue 25 (and their spellings: case, accents, punctuation, letters held down,
# emoji), 40 and more per language. tests/unit/test_intents.py checks the intent of each, and
# tests/services/test_everyday_words.py the screen each shows.
EVERYDAY_NL = {
    "greeting": [
        "hallo", "hallo?", "Hallo!!", "hoi", "Hoiii", "goedemorgen", "Goedemiddag!", "hey",
        "hoi hoe gaat het?",
    ],
    "thanks": [
        "dank je", "Dank je wel!", "dankjewel", "bedankt", "Bedanktttt!!!", "🙏", "top, bedankt",
    ],
    "ok": ["ok", "oké", "OKÉ!!", "👍", "👍🏽", "prima", "oke top"],
    "job": [
        "ik heb werk gevonden!!", "Ik heb werk gevonden", "ik ben aangenomen", "ik heb een baan",
        "IK BEN AANGENOMEN!!!", "ik heb een nieuwe baan gevonden", "ze hebben me aangenomen 🎉",
    ],
    "help": [
        "help", "Help!", "ik snap het niet", "wat moet ik doen", "sorry ik begrijp het niet",
        "wat moet ik doen?", "hoe werkt dit?", "?", "ik snap er niks van", "Hulp",
    ],
    "progress": [
        "hoeveel heb ik", "Hoeveel moet ik nog?", "hoe sta ik ervoor", "hoeveel heb ik gespaard?",
        "tussenstand?",
    ],
    "stop": ["ik wil stoppen", "stop", "afmelden"],
}  # fmt: skip
EVERYDAY_EN = {
    "greeting": [
        "hi", "hello", "Hello?", "hiii", "hey there", "good morning", "Good evening!",
        "how are you?",
    ],
    "thanks": ["thanks", "Thanks!!", "thank you", "Thank you so much", "thx", "ty", "thanks 🙏"],
    "ok": ["ok", "okay", "OK!", "👍", "👌", "alright", "got it", "great"],
    "job": [
        "I got a job", "I got a job!!", "i found a job", "I GOT HIRED", "I was hired today",
        "I got the job!", "I found work",
    ],
    "help": [
        "help", "HELP!!", "I don't understand", "what do I do", "what do I do?", "I dont get it",
        "how does this work?", "??", "what should I do now",
    ],
    "progress": [
        "how much do I have", "How much do I have?", "how am I doing",
        "how many applications do I have", "progress",
    ],
    "stop": ["stop", "I want to stop", "unsubscribe"],
}  # fmt: skip
