"""Issue 15's acceptance, end to end over the sandbox: a 12-person peer pool where two never
open their link (reminded twice, "never joined" in /group and in the report's group flow), a
warning in the open with a private note, and a member who stops and leaves the group."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.i18n import Language, plural
from bot.research import report_trial
from bot.sandbox import TelegramSandbox
from tests.e2e.journey import stop
from tests.groups.world import (
    SQLITE_ONLY,
    bind,
    bind_code,
    counsellor,
    group_bot,
    groups_in,
    join,
    link_of,
    peers,
    scan,
    settle,
    texts,
    welcomed,
)
from tests.texts import expected, said

REASON = "geen verkoop"


@SQLITE_ONLY
async def test_a_twelve_person_peer_pool_reminds_warns_in_the_open_and_follows_a_stop(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock, tmp_path: Path
) -> None:
    async with group_bot(sandbox, database, clock, min_size=12, max_size=15) as runtime:
        leader = await counsellor(sandbox, database, clock)
        people = await peers(sandbox, database, clock, runtime, 12)
        await scan(runtime)
        [ready] = await leader.wait_for_messages(count=1)
        chat = await bind(sandbox, leader, bind_code(ready))
        await settle(runtime)
        for person in people:
            await person.wait_for_messages(count=1)  # the personal link
        coming, never = people[:10], people[10:]
        await join(sandbox, chat, coming, database)
        await welcomed(runtime, clock, chat, 10)
        reminded = []
        for hours in (24, 48):
            clock.advance(timedelta(hours=hours))
            await scan(runtime)
            reminded.append([await p.wait_for_messages(count=1) for p in never])
        clock.advance(timedelta(days=7))
        await scan(runtime)

        anna, bert = coming[0], coming[1]
        posted = anna.send_in_group(chat, "Wie wil mijn fiets kopen?")
        leader.send_in_group(chat, "/warn geen verkoop", reply_to=posted)
        await sandbox.wait_for(
            lambda: any(_first_warning(t) for t in texts(chat.messages)), what="warn"
        )
        warning = next(m for m in chat.messages if _first_warning(m.get("text", "")))
        [note] = await anna.wait_for_messages(count=1)

        await stop(bert)
        await sandbox.wait_for(lambda: not chat.is_member(bert), what="bert out of the group")
        await settle(runtime)

        [(group, _members)] = await groups_in(database)
        leader.send(f"/group {group.id}")
        [shown] = await leader.wait_for_messages(count=1)
        report = await report_trial(
            database, tmp_path / "report", protocol=runtime.trial.protocol, as_of=clock.now()
        )

    # two never opened their link: reminded twice, each time with their link, then no more
    assert all(len(batch) == 1 for round_ in reminded for batch in round_)
    for round_ in reminded:
        for person, batch in zip(never, round_, strict=True):
            assert batch[0]["text"] == expected("join.reminder", link=link_of(person))
    assert all(len(p.messages) == 4 for p in never)
    lines = shown["text"].splitlines()
    twice = plural(Language.NL, "join.reminders", 2)
    assert sum(said(line, "join.member_never_joined", reminders=twice) for line in lines) == 2
    assert said(shown["text"], "join.not_joined", within=True, never=2)
    html = report.read_text()
    assert "joined 10, never joined 2" in html
    # the warning replies to the message, names her, and she hears privately why
    assert warning["reply_to_message"]["message_id"] == posted["message_id"]
    assert warning["text"] == expected(
        "join.mod_warned", name=anna.first_name, count=1, limit=3, reason=REASON
    )
    assert any(
        e["type"] == "text_mention" and e["user"]["id"] == anna.id for e in warning["entities"]
    )
    assert note["text"] == expected("join.note_warned", count=1, limit=3, reason=REASON)
    # the member who stopped is out of the group, and not banned from it
    assert not chat.is_member(bert)
    assert not chat.is_banned(bert)
    assert any(said(line, "counsellor.member_left") for line in lines)


def _first_warning(message: str) -> bool:
    return said(message, "join.mod_warned", count=1, limit=3)
