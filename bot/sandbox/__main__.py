"""Run the sandbox standalone: ``python -m bot.sandbox --port 8081``.

Useful to point a bot at by hand; with nobody to play people it only answers the bot.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from bot.sandbox.sandbox import TelegramSandbox


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:SANDBOX-TOKEN")
    parser.add_argument("--username", default="lotgenoot_sandbox_bot")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per call")
    parser.add_argument("--no-limits", action="store_true", help="do not answer 429")
    return parser.parse_args()


async def _serve(args: argparse.Namespace) -> None:
    sandbox = TelegramSandbox(
        bot_token=args.token,
        bot_username=args.username,
        latency_s=args.latency,
        enforce_limits=not args.no_limits,
    )
    async with sandbox:
        print(f"Telegram sandbox listening; api_url={sandbox.api_url}", flush=True)
        print(f"bot token: {sandbox.bot_token}", flush=True)
        await asyncio.Event().wait()  # until Ctrl-C


def main() -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(_parse_args()))


if __name__ == "__main__":
    main()
