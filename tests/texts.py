"""Whether a message the bot sent was rendered from a given text, so tests assert on keys.

A test that asserts on a literal sentence breaks whenever the wording is improved, and a
test that only knows "some text came back" proves too little. `said` sits in between: it
checks that a message is (or contains) the text of a catalogue key, with the parameters the
test knows filled in exactly, and any it does not know matching whatever the bot put there.
`protocol_said` does the same for the message templates of the shipped study protocol (the
receipts, reminders and group posts a study may reword), which the tests' bot runs on.
"""

from __future__ import annotations

import re
import string
from datetime import date, timedelta
from functools import cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

from bot.i18n import Language, MissingText, catalogue, text
from bot.i18n.counts import chooser
from bot.paths import shipped_config
from experiments.protocol import (
    Component,
    Protocol,
    Template,
    Track,
    load_protocol,
    plain_forms,
)

__all__ = [
    "Language",
    "expected",
    "filled",
    "intake_done",
    "protocol_said",
    "protocol_text",
    "said",
    "shipped_protocol",
    "topic",
]


def said(
    message: str,
    key: str,
    /,
    *,
    language: Language = Language.NL,
    within: bool = False,
    **params: object,
) -> bool:
    """Whether `message` is the catalogue text `key` (or, `within`, contains it).

    Placeholders named in `params` must read exactly as `text(language, key, **params)` would
    render them; the others may be any text. With every placeholder given this is the same as
    comparing to `text(...)`. A plural key (a table of CLDR forms) takes the form `count`
    chooses when `count` is given, and any of its forms otherwise.
    """
    return any(
        filled(template, within=within, **params).search(message) is not None
        for template in _templates(language, key, params)
    )


def expected(key: str, /, *, language: Language = Language.NL, **params: object) -> str:
    """The catalogue text `key` as `text` (or `plural`, given `count`) renders it, for `==`.

    Unlike `text`, which ignores a parameter its template does not use, this refuses one: a
    test that passes `count=1` then checks that the message says 1, even after the catalogue
    is rewritten, as the literal "1 van 3" it replaces did.
    """
    templates = _templates(language, key, params)
    if len(templates) != 1:
        raise ValueError(f"{key} is a plural text: give its count")
    _refuse_unused(templates[0], params)
    return templates[0].format(**params)


def protocol_said(
    message: str,
    kind: str,
    /,
    *,
    language: Language = Language.NL,
    within: bool = False,
    **params: object,
) -> bool:
    """Like `said`, for the shipped protocol's message template `kind` ("reminder_savings");
    a count given chooses its plural form, the others may be any of theirs."""
    template = shipped_protocol().templates.get(kind)
    return _template_said(message, template, language, within=within, **params)


def _template_said(
    message: str, template: Template, language: Language, *, within: bool, **params: object
) -> bool:
    unused = set(params) - template.placeholders
    if unused:
        raise ValueError(f"the template has no placeholder {', '.join(sorted(unused))}")
    for choice, plain in plain_forms(template.text(language)):
        if not all(_chooses(language, form, params.get(name)) for name, form in choice.items()):
            continue
        shown = {name: value for name, value in params.items() if name in _fields(plain)}
        if filled(plain, within=within, **shown).search(message) is not None:
            return True
    return False


def _chooses(language: Language, form: str, value: object) -> bool:
    """Whether a count of `value` (None: unknown) takes the plural form `form`."""
    if not isinstance(value, int):
        return True
    if form.startswith("="):
        return form == f"={value}"
    return form == str(Locale.parse(language.locale).plural_form(abs(value)))


def protocol_text(kind: str, language: Language = Language.NL, **params: object) -> str:
    """The shipped protocol's message `kind` rendered, refusing unused `params` as `expected`."""
    template = shipped_protocol().templates.get(kind)
    unused = set(params) - template.placeholders
    if unused:
        raise ValueError(f"the template has no placeholder {', '.join(sorted(unused))}")
    return template.render(language, params)


def reminder_text(track: str, n: int, language: Language = Language.NL, **params: object) -> str:
    """The shipped protocol's `n`-th wording (0: the template) of a track's reminder, rendered:
    the reminder for a person's `n`-th period (missed periods take the wordings in turn)."""
    wordings = shipped_protocol().reminders_for(Track(track))
    wording = wordings[n % len(wordings)]
    unused = set(params) - wording.placeholders
    if unused:
        raise ValueError(f"the template has no placeholder {', '.join(sorted(unused))}")
    return wording.render(language, params)


def is_reminder(message: str, track: str, language: Language = Language.NL) -> bool:
    """Whether a message holds one of the track's reminder wordings, whatever its numbers."""
    return any(
        _template_said(message, wording, language, within=True)
        for wording in shipped_protocol().reminders_for(Track(track))
    )


def topic(track: str, week: int, language: Language = Language.NL, band: str = "26-35") -> str:
    """The shipped curriculum's topic of `week` for a group of `track` and `band`."""
    return shipped_protocol().curriculum_for(track, band)[week - 1].topic(language)


@cache
def shipped_protocol() -> Protocol:
    """The protocol the tests' bot runs on (see tests/e2e/conftest.runtime_for)."""
    return load_protocol(shipped_config("study.toml"))


def intake_done(
    arm: str,
    language: Language = Language.NL,
    protocol: Protocol | None = None,
    *,
    on: date = date(2026, 1, 5),
) -> str:
    """The intake's last answer, given `on` a day (the tests' clock starts on a Monday): the arm
    in plain words, the day the person's week starts, and for the peer arm the wait."""
    protocol = protocol or shipped_protocol()
    allocated = protocol.arm(arm)
    explanation = allocated.explanation.text(language)
    if protocol.schedule.commitment_period == timedelta(days=7):
        day = format_date(on, "EEEE", locale=language.locale)
        explanation += " " + text(language, "period.week_starts", day=day)
    if allocated.has(Component.PEER_GROUP):
        explanation += "\n\n" + text(language, "pool.entered")
    return text(language, "intake.done", explanation=explanation)


def filled(template: str, *, within: bool = False, **params: object) -> re.Pattern[str]:
    """A pattern for `template` with the given placeholders filled in and the rest open.

    Without `within` the pattern must match the whole message (it is anchored at both ends);
    with it, the text may stand anywhere in the message, among other parts, but not inside a
    word or a number: `count=1` must not be found in "21 …".
    """
    parts: list[str] = []
    for literal, field, spec, conversion in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field is None:
            continue
        if field in params:
            placeholder = "{" + field + (f"!{conversion}" if conversion else "")
            placeholder += f":{spec}}}" if spec else "}"
            parts.append(re.escape(placeholder.format(**{field: params[field]})))
        else:
            parts.append(".+?")
    _refuse_unused(template, params)
    body = "".join(parts)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)" if within else rf"\A(?:{body})\Z", re.DOTALL)


_CLDR_FORMS = ("zero", "one", "two", "few", "many", "other")


def _fields(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def _refuse_unused(template: str, params: dict[str, object]) -> None:
    """A value the template does not show cannot be checked: the test (or the text) is wrong."""
    unused = set(params) - _fields(template)
    if unused:
        raise ValueError(f"the template has no placeholder {', '.join(sorted(unused))}")


def _templates(language: Language, key: str, params: dict[str, object]) -> list[str]:
    """The template(s) `key` may have been rendered from; `params["count"]` is formatted."""
    texts = catalogue(language)
    if key in texts:
        return [texts[key]]
    forms = {form: texts[f"{key}.{form}"] for form in _CLDR_FORMS if f"{key}.{form}" in texts}
    if "other" not in forms:
        raise MissingText(f"{language.value}:{key}")
    by = chooser(key)  # the placeholder whose number chooses the form ("count" mostly)
    count = params.get(by)
    if not isinstance(count, int):
        return list(forms.values())
    # as bot.i18n.text does: the CLDR form for the count, which it writes as a locale number
    form = str(Locale.parse(language.locale).plural_form(abs(count)))
    template = forms.get(form, forms["other"])
    if by in _fields(template):
        params[by] = format_decimal(count, locale=language.locale)
    else:
        del params[by]  # it chose the form; the text itself does not show it
    return [template]
