"""The table of Bot API methods the sandbox implements, and typed access to their params.

Parameters reach a handler already decoded and checked against the spec, so the typed
getters below only narrow types for mypy; a mismatch here is a sandbox bug, not a bot bug.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.sandbox.errors import bad_request
from bot.sandbox.spec import load_spec
from bot.sandbox.world import World

JSON = dict[str, Any]
Handler = Callable[[World, "Params"], Awaitable[Any]]

METHODS: dict[str, Handler] = {}


def method(name: str) -> Callable[[Handler], Handler]:
    """Register a handler under the spec's spelling of a method name."""
    if name not in load_spec().methods:
        raise ValueError(f"{name} is not a Bot API method")

    def register(handler: Handler) -> Handler:
        METHODS[name] = handler
        return handler

    return register


class Params:
    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def get_int(self, name: str) -> int:
        value = self.values.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise bad_request(f"{name} must be an integer")

    def opt_int(self, name: str) -> int | None:
        return None if self.values.get(name) is None else self.get_int(name)

    def get_str(self, name: str) -> str:
        value = self.values.get(name)
        if isinstance(value, str):
            return value
        raise bad_request(f"{name} must be a string")

    def opt_str(self, name: str) -> str | None:
        return None if self.values.get(name) is None else self.get_str(name)

    def flag(self, name: str) -> bool:
        return self.values.get(name) is True

    def opt_obj(self, name: str) -> JSON | None:
        value = self.values.get(name)
        return value if isinstance(value, dict) else None

    def opt_list(self, name: str) -> list[Any] | None:
        value = self.values.get(name)
        return value if isinstance(value, list) else None
