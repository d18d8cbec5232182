"""The bare `websockets` echo server (asyncio + uvloop, compression off): the bench's physical limit.

    python -m loadtests.echo --port 8765

It answers every message with the same bytes, on any path; it knows nothing of auctions, tokens or
durability, so the same client's rate against it is what this machine can do with websockets at all.
"""

import argparse
import asyncio
import contextlib
import signal

import uvloop
from websockets.asyncio.server import ServerConnection, serve


async def echo(ws: ServerConnection) -> None:
    async for message in ws:
        await ws.send(message)


async def main(host: str, port: int) -> None:
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with serve(echo, host, port, compression=None, max_size=4096, ping_interval=20, backlog=4096):
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        uvloop.run(main(args.host, args.port))
