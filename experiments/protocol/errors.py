"""Protocol problems in plain words, each naming the exact key path (e.g. `arms[1].weight`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

__all__ = ["ProtocolError", "key_path", "problem", "problems_from"]

_MESSAGES: dict[str, str] = {
    "missing": "required",
    "extra_forbidden": "unknown key",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "too_short": "needs at least {min_length} entries",
    "too_long": "may have at most {max_length} entries",
    "string_too_short": "must not be empty",
    "string_too_long": "must be at most {max_length} characters",
    "string_pattern_mismatch": "contains characters that are not allowed here",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "list_type": "must be a list",
    "set_type": "must be a list",
    "frozen_set_type": "must be a list",
    "tuple_type": "must be a list",
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
    "enum": "must be one of {expected}",
    "literal_error": "must be one of {expected}",
    "time_type": 'not a time of day (write it as text, e.g. "21:00")',
    "time_parsing": 'not a time of day (write it as text, e.g. "21:00")',
}


class ProtocolError(Exception):
    """A protocol file that cannot be used; `.problems` lists every problem found."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def problem(message: str, path: str = "") -> PydanticCustomError:
    """An error a validator raises; `path` is relative to the model being validated."""
    return PydanticCustomError("protocol", "{message}", {"message": message, "path": path})


def key_path(location: Sequence[int | str]) -> str:
    """Render a pydantic location as a key path: ('arms', 1, 'weight') -> 'arms[1].weight'."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        elif text:
            text += f".{part}"
        else:
            text = part
    return text


def problems_from(error: ValidationError) -> list[str]:
    """Turn a pydantic ValidationError into one plain-words line per problem."""
    return [_line(detail) for detail in error.errors(include_url=False)]


def _line(detail: ErrorDetails) -> str:
    context: dict[str, Any] = dict(detail.get("ctx") or {})
    location: list[int | str] = [part for part in detail["loc"] if not _is_internal(part)]
    relative = str(context.get("path", ""))
    path = _join(key_path(location), relative)
    template = _MESSAGES.get(detail["type"])
    message = template.format(**context) if template else detail["msg"]
    return f"{path}: {message}" if path else message


def _join(base: str, relative: str) -> str:
    if not relative:
        return base
    if not base or relative.startswith("["):
        return base + relative
    return f"{base}.{relative}"


def _is_internal(part: int | str) -> bool:
    # pydantic adds validator names such as "function-after[...]" to some locations.
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))
