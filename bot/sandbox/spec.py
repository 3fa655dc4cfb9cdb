"""The machine-readable Bot API spec, and strict checks of values against it.

The sandbox is only useful if it is at least as picky as Telegram: every parameter the bot
sends and every object the sandbox emits is checked against `bot-api-10.0.json`, so a field
the real API does not know shows up in tests instead of being silently ignored in production.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

SPEC_FILE = "bot-api-10.0.json"
ARRAY_PREFIX = "Array of "
PRIMITIVES = frozenset({"Integer", "Float", "String", "Boolean", "True", "InputFile"})
# Union members are told apart by a constant discriminator ("type": "chat", "status": ...);
# the spec only states it in prose, e.g. 'Scope type, must be chat' or 'always "creator"'.
_DISCRIMINATOR_FIELDS = frozenset({"type", "status", "source"})
_CONSTANT_RE = re.compile(r'(?:always|must be) "?([a-z_]+)"?\s*$')


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request (what the spec calls InputFile)."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class FieldSpec:
    name: str
    types: tuple[str, ...]
    required: bool
    constant: str | None = None


@dataclass(frozen=True)
class MethodSpec:
    name: str
    fields: Mapping[str, FieldSpec]
    returns: tuple[str, ...]


@dataclass(frozen=True)
class TypeSpec:
    name: str
    fields: Mapping[str, FieldSpec]
    subtypes: tuple[str, ...]


@dataclass
class Problems:
    """Outcome of a check: `errors` make Telegram reject a call, `unknown` it silently ignores."""

    errors: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def extend(self, other: Problems) -> None:
        self.errors.extend(other.errors)
        self.unknown.extend(other.unknown)


def _field(raw: Mapping[str, Any]) -> FieldSpec:
    types = tuple(str(t) for t in raw["types"])
    constant = None
    if raw["name"] in _DISCRIMINATOR_FIELDS and types == ("String",):
        match = _CONSTANT_RE.search(str(raw.get("description", "")))
        constant = match.group(1) if match else None
    return FieldSpec(str(raw["name"]), types, bool(raw["required"]), constant)


class BotApiSpec:
    """Methods and types of one Bot API version, with case-insensitive method lookup."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.version: str = str(raw["version"])
        self.methods: dict[str, MethodSpec] = {
            name: MethodSpec(
                name,
                {f["name"]: _field(f) for f in m.get("fields", [])},
                tuple(m.get("returns", [])),
            )
            for name, m in raw["methods"].items()
        }
        self.types: dict[str, TypeSpec] = {
            name: TypeSpec(
                name,
                {f["name"]: _field(f) for f in t.get("fields", [])},
                tuple(t.get("subtypes", [])),
            )
            for name, t in raw["types"].items()
        }
        self._by_lower = {name.lower(): name for name in self.methods}

    def canonical_method(self, name: str) -> str | None:
        """Telegram matches method names case-insensitively; return the spec's spelling."""
        return self._by_lower.get(name.lower())

    def type_fields(self, type_name: str) -> list[str]:
        return list(self.types[type_name].fields)

    # -- decoding -------------------------------------------------------------------------

    def decode_param(self, spec: FieldSpec | None, value: Any) -> Any:
        """Turn a transport value into the typed value the field expects.

        Form fields arrive as strings; python-telegram-bot JSON-encodes everything except
        strings. Decoding blindly would turn a message text "42" into an int, so a field that
        can only be a String keeps the raw text.
        """
        if not isinstance(value, str):
            return value
        if spec is not None and all(t in ("String", "InputFile") for t in spec.types):
            return value
        try:
            return json.loads(value)
        except ValueError:
            return value

    # -- checking -------------------------------------------------------------------------

    def check(self, types: Iterable[str], value: Any, path: str) -> Problems:
        """Check `value` against a union of spec type expressions."""
        best: Problems | None = None
        for type_expr in types:
            result = self._check_one(type_expr, value, path)
            if not result.errors and not result.unknown:
                return result
            if best is None or (len(result.errors), len(result.unknown)) < (
                len(best.errors),
                len(best.unknown),
            ):
                best = result
        return best if best is not None else Problems()

    def prune(self, types: Iterable[str], value: Any) -> Any:
        """`value` without the fields Telegram would ignore (those the spec does not know)."""
        candidates = list(types)
        if len(candidates) > 1:
            scored = [(self._score(t, value), i) for i, t in enumerate(candidates)]
            candidates = [candidates[min(scored)[1]]]
        return self._prune_one(candidates[0], value) if candidates else value

    def _score(self, type_expr: str, value: Any) -> tuple[int, int]:
        result = self._check_one(type_expr, value, "")
        return len(result.errors), len(result.unknown)

    def _prune_one(self, type_expr: str, value: Any) -> Any:
        if type_expr.startswith(ARRAY_PREFIX):
            inner = type_expr.removeprefix(ARRAY_PREFIX)
            return [self._prune_one(inner, v) for v in value] if isinstance(value, list) else value
        spec = self.types.get(type_expr)
        if spec is None or not isinstance(value, dict):
            return value
        if spec.subtypes:
            return self.prune(spec.subtypes, value)
        return {
            key: self.prune(spec.fields[key].types, item)
            for key, item in value.items()
            if key in spec.fields
        }

    def check_object(self, type_name: str, value: Any, path: str = "") -> Problems:
        return self._check_one(type_name, value, path or type_name)

    def _check_one(self, type_expr: str, value: Any, path: str) -> Problems:
        if type_expr.startswith(ARRAY_PREFIX):
            inner = type_expr.removeprefix(ARRAY_PREFIX)
            if not isinstance(value, list):
                return Problems(errors=[f"{path} must be an array"])
            out = Problems()
            for i, item in enumerate(value):
                out.extend(self._check_one(inner, item, f"{path}[{i}]"))
            return out
        if type_expr in PRIMITIVES:
            ok = _primitive_ok(type_expr, value)
            return Problems() if ok else Problems(errors=[f"{path} must be {type_expr}"])
        spec = self.types.get(type_expr)
        if spec is None:
            return Problems(errors=[f"{path}: unknown spec type {type_expr}"])
        if spec.subtypes:
            return self.check(spec.subtypes, value, path)
        return self._check_fields(spec, value, path)

    def _check_fields(self, spec: TypeSpec, value: Any, path: str) -> Problems:
        if not isinstance(value, dict):
            return Problems(errors=[f"{path} must be a {spec.name} object"])
        out = Problems()
        for name, fspec in spec.fields.items():
            if name not in value:
                if fspec.required:
                    out.errors.append(f"{path}.{name} is required in {spec.name}")
                continue
            if fspec.constant is not None and value[name] != fspec.constant:
                out.errors.append(f"{path}.{name} must be {fspec.constant!r} in {spec.name}")
                continue
            out.extend(self.check(fspec.types, value[name], f"{path}.{name}"))
        out.unknown.extend(
            f"{path}.{name} is not a field of {spec.name}"
            for name in value
            if name not in spec.fields
        )
        return out


def _primitive_ok(type_name: str, value: Any) -> bool:
    if type_name == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_name == "String":
        return isinstance(value, str)
    if type_name == "Boolean":
        return isinstance(value, bool)
    if type_name == "True":
        return value is True
    return isinstance(value, UploadedFile)  # InputFile


@cache
def load_spec() -> BotApiSpec:
    """Parse the bundled spec once per process; it is ~850 kB and never changes."""
    text = resources.files("bot.sandbox").joinpath(SPEC_FILE).read_text(encoding="utf-8")
    return BotApiSpec(json.loads(text))
