"""The button codec: every press the bot offers round-trips; anything else decodes to None."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services import button_data
from bot.services.button_data import (
    ActionDetail,
    Answer,
    AskAboutPlacement,
    ChangeGoal,
    Checkin,
    ChooseLanguage,
    ChooseTrack,
    CloseTicket,
    Commit,
    Consent,
    ContinueSurvey,
    Deposit,
    Erase,
    GoOn,
    Keep,
    Later,
    Press,
    ResolveFlag,
    SendSuggestion,
    Shortcut,
    Steps,
    TicketReply,
    Together,
    Undo,
    decode,
    encode,
)
from experiments.protocol import Language, PlanChoice, PlanKind, ReviewResult, Track

tokens = st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True)
amounts = st.integers(min_value=1, max_value=9_999_999_999)
_NUMBERS = {"cheer": 2, "host_post": 1}  # how many numbers each group-choice tap names
offer_ids = st.integers(min_value=1, max_value=9_999_999_999)
presses: st.SearchStrategy[Press] = st.one_of(
    st.builds(Consent, st.booleans(), tokens),
    st.builds(ChooseLanguage, st.sampled_from(tuple(Language))),
    st.builds(ChooseTrack, st.sampled_from(tuple(Track))),
    st.builds(Commit, amounts),
    st.builds(ChangeGoal, amounts),
    st.builds(Deposit, amounts, offer_ids),
    st.builds(Steps, st.sampled_from(("applied", "interview")), st.integers(1, 999), offer_ids),
    st.builds(
        lambda pair, offer: ActionDetail(pair[0], pair[1], offer),
        st.sampled_from([(kind, d) for kind, ds in button_data.ACTION_DETAILS.items() for d in ds]),
        offer_ids,
    ),
    st.builds(Erase, st.booleans()),
    st.builds(Undo, offer_ids, offer_ids),
    st.builds(Keep, offer_ids),
    st.builds(Answer, tokens, tokens, tokens, st.integers(min_value=-9999, max_value=9999)),
    st.just(ContinueSurvey()),
    st.builds(ResolveFlag, amounts),
    st.builds(TicketReply, amounts, st.integers(min_value=0, max_value=5)),
    st.builds(CloseTicket, amounts),
    st.builds(Later, tokens),
    st.builds(GoOn, tokens),
    st.builds(
        Checkin,
        offer_ids,
        st.one_of(
            st.builds(PlanChoice, st.just(PlanKind.SAVE), amounts),
            st.builds(PlanChoice, st.just(PlanKind.APPLY), st.integers(1, 99)),
            st.builds(PlanChoice, st.just(PlanKind.INTERVIEW), st.integers(1, 99)),
            st.just(PlanChoice(PlanKind.OTHER)),
        ),
    ),
    st.builds(Checkin, offer_ids, st.sampled_from(tuple(ReviewResult))),
    st.just(AskAboutPlacement()),
    st.builds(Shortcut, st.sampled_from(button_data.SHORTCUTS)),
    st.builds(SendSuggestion, amounts, amounts, st.sampled_from(button_data.SUGGESTIONS)),
    st.builds(
        lambda action, numbers: Together(action, tuple(numbers[: _NUMBERS.get(action, 0)])),
        st.sampled_from(button_data.TOGETHER_ACTIONS),
        st.lists(amounts, min_size=2, max_size=2),
    ),
)


@given(presses)
def test_every_press_the_bot_offers_comes_back_as_itself_within_64_bytes(press: Press) -> None:
    data = encode(press)
    assert len(data.encode()) <= button_data.MAX_BYTES
    assert decode(data) == press


def test_amounts_are_integer_cents_whatever_their_number_of_digits() -> None:
    assert decode("dep:50:7") == Deposit(cents=50, offer=7)
    assert decode("dep:99:7") == Deposit(cents=99, offer=7)
    assert decode("commit:50") == Commit(50)


@pytest.mark.parametrize(
    "forged",
    [
        "",
        "dep",
        "dep:50",  # the old format, without the offer it answers
        "dep:-50:1",
        "dep:0:1",
        "dep:0050:1",
        "dep:1e3:1",
        "dep:50:1:extra",
        "dep:50:0",  # offers are numbered from 1
        "steps:applied:2:-1",
        "act:job:started_full_time",  # the old format, without the offer it answers
        "act:job:started_full_time:0",
        "act:applied:I applied at the bakery",
        "act:job:astronaut",
        "act:fly:away",
        "q:baseline:gse:gse1:many",
        "q:baseline:gse:gse1",
        "q:baseline:../etc:gse1:1",
        "consent:yes:code with spaces",
        "consent:maybe:abc",
        "lang:de",
        "track:gardening",
        "commit:-1",
        "commit:0",
        "del:perhaps",
        "undo:12",  # an undo names the entry and the offer
        "undo:0:1",
        "undo:12:-1",
        "keep",
        "keep:0",
        "survey:later",
        "flag:abc",
        "tkt:1:6",  # more canned replies than a protocol may have
        "tkt:0:1",
        "tkt:1",
        "tktx:-3",
        "tg:dance",  # no such group choice
        "tg:cheer:3",  # an encouragement names its pair and the buddy
        "tg:menu:1",
        "tg:host_post:0",
        "do:undo",  # not a shortcut: only what the help offers to tap
        "do:",
        "do:pause:now",
        "unknown:thing",
        "q:" + "x" * 70,
        "cip:1:save:0",  # a plan to save nothing
        "cip:1:other:5",  # "something else" has no amount
        "cip:0:apply:2",
        "cip:1:sleep:8",
        "cir:1:maybe",
    ],
)
def test_forged_or_malformed_data_decodes_to_nothing(forged: str) -> None:
    assert decode(forged) is None


def test_data_over_telegrams_limit_is_refused_when_encoding() -> None:
    with pytest.raises(button_data.TooLong):
        encode(Consent(True, "c" * 60))
