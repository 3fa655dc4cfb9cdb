"""The machine-readable Bot API spec, and strict checks of values against it.

The sandbox is only useful if it is at least as picky as Telegram: every parameter the bot
sends and every object the sandbox emits is checked against `bot-api-10.0.json`, so a field
the real API does not know shows up in tests instead of being silently ignored in production.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
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
Validator = Callable[[Any], bool]


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
    # Derived from `fields` (never passed in, so they cannot disagree with it); they let the
    # fast check look at the keys a value has instead of all ~100 fields a Message could have.
    required: frozenset[str] = field(init=False, repr=False, compare=False)
    constants: tuple[tuple[str, str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        required = frozenset(f.name for f in self.fields.values() if f.required)
        constants = tuple(
            (f.name, f.constant) for f in self.fields.values() if f.constant is not None
        )
        object.__setattr__(self, "required", required)
        object.__setattr__(self, "constants", constants)


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
        self._validators: dict[tuple[str, ...], Validator] = {}

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
        types = tuple(types)  # walked twice when the value has problems
        if self.is_valid(types, value):
            return Problems()
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
            # A member that fits would score (0, 0), which nothing beats; the first one wins
            # ties. So only when none fits are the members scored by their full checks.
            fitting = next((t for t in candidates if self.is_valid((t,), value)), None)
            if fitting is not None:
                candidates = [fitting]
            else:
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
        if self.is_valid((type_name,), value):
            return Problems()
        return self._check_one(type_name, value, path or type_name)

    # The full check below builds every message for every field; almost every value the
    # sandbox sees is fine, so `check` first asks this yes/no question, which stops at the
    # first problem and builds nothing. It must say True exactly when the full check finds
    # no error and no unknown field; only then is the full check skipped.

    def is_valid(self, types: Iterable[str], value: Any) -> bool:
        """Whether `check(types, value, ...)` would report nothing at all."""
        return self._validator(tuple(types))(value)

    def _validator(self, types: tuple[str, ...]) -> Validator:
        """The yes/no check for a union of type expressions, built once and then reused."""
        found = self._validators.get(types)
        if found is not None:
            return found
        if not types:
            return _anything  # `check` of an empty union reports nothing either
        if len(types) == 1:
            return self._build_validator(types[0])
        members = tuple(self._validator((t,)) for t in types)

        def valid_union(value: Any) -> bool:
            return any(member(value) for member in members)

        self._validators[types] = valid_union
        return valid_union

    def _build_validator(self, type_expr: str) -> Validator:
        if type_expr.startswith(ARRAY_PREFIX):
            inner = self._validator((type_expr.removeprefix(ARRAY_PREFIX),))

            def valid_array(value: Any) -> bool:
                return isinstance(value, list) and all(inner(item) for item in value)

            self._validators[(type_expr,)] = valid_array
            return valid_array
        spec = self.types.get(type_expr)
        if type_expr in PRIMITIVES or spec is None:
            found = _PRIMITIVE_CHECKS.get(type_expr, _unknown_type)
        elif spec.subtypes:
            found = self._validator(spec.subtypes)
        else:
            return self._object_validator(spec)
        self._validators[(type_expr,)] = found
        return found

    def _object_validator(self, spec: TypeSpec) -> Validator:
        fields: dict[str, Validator] = {}
        constants, required = spec.constants, spec.required

        def valid_object(value: Any) -> bool:
            if not isinstance(value, dict):
                return False
            # Discriminators first: they rule out the wrong members of a union cheaply.
            for name, constant in constants:
                if name in value and value[name] != constant:
                    return False
            for name, item in value.items():
                valid_field = fields.get(name)
                if valid_field is None or not valid_field(item):
                    return False
            return value.keys() >= required

        # Registered before its fields are built: types nest themselves (Message replies).
        self._validators[(spec.name,)] = valid_object
        fields.update((name, self._validator(f.types)) for name, f in spec.fields.items())
        return valid_object

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
    return _PRIMITIVE_CHECKS[type_name](value)


_PRIMITIVE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "Integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "Float": lambda value: isinstance(value, int | float) and not isinstance(value, bool),
    "String": lambda value: isinstance(value, str),
    "Boolean": lambda value: isinstance(value, bool),
    "True": lambda value: value is True,
    "InputFile": lambda value: isinstance(value, UploadedFile),
}
assert _PRIMITIVE_CHECKS.keys() == PRIMITIVES


def _unknown_type(value: Any) -> bool:
    return False  # a type the spec does not define: the full check names it


def _anything(value: Any) -> bool:
    return True


@cache
def load_spec() -> BotApiSpec:
    """Parse the bundled spec once per process; it is ~850 kB and never changes."""
    text = resources.files("bot.sandbox").joinpath(SPEC_FILE).read_text(encoding="utf-8")
    return BotApiSpec(json.loads(text))
