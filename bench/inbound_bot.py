"""One bot of the inbound benchmark, in a process of its own, until it is terminated.

python -m bench.inbound_bot echo SANDBOX_BASE_URL
python -m bench.inbound_bot lotgenoot SANDBOX_BASE_URL DATABASE_URL
"""

from __future__ import annotations

import asyncio
import signal
import sys

from bench.inbound import echo_running, lotgenoot_running


async def main(argv: list[str]) -> None:
    kind, base_url, *rest = argv
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    if kind == "echo":
        async with echo_running(base_url):
            await stop.wait()
    else:
        async with lotgenoot_running(base_url, rest[0]):
            await stop.wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
