"""The HTTP face of the sandbox: `/bot<token>/<method>`, decoding, checking, answering.

Every call is recorded with what the sandbox made of it. Failure injection (latency,
5xx) sits here, in front of the methods, so an injected failure never has an effect.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from aiohttp import web

# Imported for their @method registrations.
from bot.sandbox import methods_bot, methods_chat, methods_messages  # noqa: F401
from bot.sandbox.errors import ApiError
from bot.sandbox.model import json_copy
from bot.sandbox.registry import METHODS, Params
from bot.sandbox.spec import MethodSpec, UploadedFile
from bot.sandbox.world import RecordedCall, World

JSON = dict[str, Any]
log = logging.getLogger(__name__)

WORLD_KEY = web.AppKey("world", World)
MAX_BODY_BYTES = 50 * 1024 * 1024  # Telegram's upload limit for bots
UNCOUNTED = "getUpdates"  # its wait is the long poll itself, not latency or a fault target


def build_app(world: World) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[WORLD_KEY] = world
    app.router.add_route("*", "/bot{token}/{method}", _handle)
    app.router.add_route("*", "/{tail:.*}", _not_found)  # Telegram answers JSON even here
    return app


async def _not_found(request: web.Request) -> web.Response:
    return web.json_response(ApiError(404, "Not Found").payload(), status=404)


async def _handle(request: web.Request) -> web.Response:
    world = request.app[WORLD_KEY]
    raw_method = request.match_info["method"]
    canonical = world.spec.canonical_method(raw_method)
    name = canonical or raw_method
    if request.match_info["token"] != world.token:
        return _answer(world, name, {}, ApiError(401, "Unauthorized"))
    try:
        values = await _decode_body(request)
    except ValueError as exc:
        return _answer(world, name, {}, ApiError(400, f"Bad Request: {exc}"))
    if name != UNCOUNTED and world.latency_s > 0:
        await asyncio.sleep(world.latency_s)
    if canonical is None:
        reason = f"{raw_method} is not a Bot API {world.spec.version} method"
        return _answer(world, name, values, ApiError(404, "Not Found"), (reason,))
    handler = METHODS.get(canonical)
    if handler is None:
        reason = f"{canonical} is not implemented by the sandbox"
        error = ApiError(501, f"Not Implemented: the sandbox does not implement {canonical}")
        return _answer(world, name, values, error, (reason,))
    params, unknown, problem = _check_params(world, world.spec.methods[canonical], values)
    if problem is not None:
        return _answer(world, name, params, problem, unknown)
    if name != UNCOUNTED and world.server_error_rate > 0 and _fault_hits(world):
        fault = world.fault_rng.choice(
            [ApiError(500, "Internal Server Error"), ApiError(502, "Bad Gateway")]
        )
        return _answer(world, name, params, fault, unknown)
    try:
        result = await handler(world, Params(_pruned(world, canonical, params)))
    except ApiError as exc:
        return _answer(world, name, params, exc, unknown)
    except Exception as exc:  # a sandbox bug: make it visible, not a hung test
        log.exception("sandbox method %s failed", canonical)
        world.internal_errors.append(exc)
        return _answer(world, name, params, ApiError(500, f"Sandbox error: {exc!r}"), unknown)
    _self_check(world, world.spec.methods[canonical], result)
    return _answer(world, name, params, result, unknown)


def _fault_hits(world: World) -> bool:
    return world.fault_rng.random() < world.server_error_rate


async def _decode_body(request: web.Request) -> JSON:
    """Query string plus JSON, urlencoded or multipart body; uploads become UploadedFile."""
    values: JSON = dict(request.query)
    if not request.body_exists:
        return values
    if request.content_type == "application/json":
        body = await request.json()
        if not isinstance(body, dict):
            raise ValueError("request body must be a JSON object")
        values.update(body)
        return values
    if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        await request.read()
        return values
    files: dict[str, UploadedFile] = {}
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            files[key] = UploadedFile(key, value.filename, value.content_type, value.file.read())
        else:
            values[key] = value
    referenced: set[str] = set()
    for key, value in list(values.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            part = value.removeprefix("attach://")
            if part not in files:
                raise ValueError(f"file {value} is not attached")
            values[key] = files[part]
            referenced.add(part)
    # Parts named after a parameter are that parameter; attach:// targets are not.
    values.update({key: f for key, f in files.items() if key not in referenced})
    return values


def _check_params(
    world: World, spec: MethodSpec, values: JSON
) -> tuple[JSON, tuple[str, ...], ApiError | None]:
    """Decode by spec type; report unknown parameters and the first reason to reject."""
    params: JSON = {}
    unknown: list[str] = []
    for key, raw in values.items():
        field = spec.fields.get(key)
        params[key] = world.spec.decode_param(field, raw)
        if field is None:
            unknown.append(f"{key} is not a parameter of {spec.name}")
    problem: ApiError | None = None
    for field in spec.fields.values():
        if field.name not in params:
            if field.required and problem is None:
                problem = ApiError(400, f"Bad Request: {field.name} is required")
            continue
        checked = world.spec.check(field.types, params[field.name], field.name)
        unknown.extend(checked.unknown)
        if checked.errors and problem is None:
            problem = ApiError(400, f"Bad Request: {checked.errors[0]}")
    return params, tuple(unknown), problem


def _pruned(world: World, method: str, params: JSON) -> JSON:
    """What the method acts on: unknown parameters and nested fields dropped, as Telegram does."""
    fields = world.spec.methods[method].fields
    return {
        name: world.spec.prune(fields[name].types, value)
        for name, value in params.items()
        if name in fields
    }


def _self_check(world: World, spec: MethodSpec, result: Any) -> None:
    """Results must match the spec's return type; a mismatch is a sandbox bug."""
    checked = world.spec.check(spec.returns, result, f"{spec.name} result")
    if checked.errors or checked.unknown:
        error = AssertionError(f"{spec.name} returned a non-spec result: {checked}")
        world.internal_errors.append(error)
        log.error("%s", error)


def _answer(
    world: World,
    method: str,
    params: JSON,
    outcome: Any,
    unknown: tuple[str, ...] = (),
) -> web.Response:
    if isinstance(outcome, ApiError):
        status, body = outcome.status, outcome.payload()
    else:
        status, body = 200, {"ok": True, "result": outcome}
    body = json_copy(body)
    world.record(RecordedCall(method, params, status, body, time.monotonic(), unknown))
    return web.json_response(body, status=status)
