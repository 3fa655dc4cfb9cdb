"""What erasure looks for in others' words: a first name as a whole word, the Telegram id, and
mentions (tg://user links and text_mention entities)."""

from __future__ import annotations

from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.delivery import ChatType, OutboxMessage
from bot.db.engine import Database
from bot.outbox.messages import Priority
from bot.services.participants.mention_scrub import REDACTED, Needles

JOSE = Needles(100000042, "José")


def test_first_name_is_found_as_a_whole_word_in_any_case() -> None:
    assert JOSE.found_in("goed gedaan JOSÉ!")
    assert not JOSE.found_in("Josély spaart ook")


def test_telegram_id_is_found_alone_and_in_a_mention_link_but_not_inside_a_longer_number() -> None:
    assert JOSE.found_in("zie tg://user?id=100000042")
    assert JOSE.found_in("id 100000042.")
    assert not JOSE.found_in("1000000420")


def test_scrubbed_text_keeps_the_rest_of_the_sentence() -> None:
    assert JOSE.scrub("Bravo José, tg://user?id=100000042!") == f"Bravo {REDACTED}, {REDACTED}!"


def test_a_text_mention_entity_of_the_person_is_dropped_and_others_stay() -> None:
    other = {"type": "text_mention", "offset": 0, "length": 3, "user": {"id": 7}}
    theirs = {"type": "text_mention", "offset": 4, "length": 4, "user": {"id": 100000042}}
    link = {"type": "text_link", "offset": 0, "length": 3, "url": "tg://user?id=100000042"}
    payload = {"text": "Bob José", "entities": [other, theirs, link]}
    assert JOSE.names_in_payload({"text": "Bob", "entities": [theirs]})
    assert JOSE.scrub_payload(payload) == {"text": f"Bob {REDACTED}", "entities": [other]}


def test_a_one_letter_name_is_not_searched_for() -> None:
    assert not Needles(5, "J").found_in("Jan en Joke")


async def test_database_prefilter_finds_a_non_ascii_name_in_stored_json(
    database: Database, clock: FakeClock
) -> None:
    async with database.transaction() as session:
        for number, words in enumerate(["Bravo José!", "Bravo Jan!"]):
            session.add(
                OutboxMessage(
                    intent_key=f"prefilter:{number}",
                    chat_id=-100,
                    chat_type=ChatType.GROUP,
                    method="sendMessage",
                    payload={"text": words},
                    kind="group_post",
                    priority=Priority.BULK,
                    rank_at=clock.now(),
                    not_before=clock.now(),
                    created_at=clock.now(),
                )
            )
    async with database.transaction() as session:
        found = list(
            await session.scalars(
                select(OutboxMessage.intent_key).where(JOSE.prefilter(OutboxMessage.payload))
            )
        )
    assert found == ["prefilter:0"]
