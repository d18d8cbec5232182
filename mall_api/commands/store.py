"""Which store an administrative command (`mall catalog import`, `mall prices import`, `mall laws load`)
writes to: the one at REDIS_URL; else the embedded store of MALL_DATA_DIR — the running server's, through
its socket, when one is serving there, or one this command starts and stops itself.

A command never runs against a store it cannot reach: when the data directory is locked by a server
that cannot be reached through its socket (it fell back to TCP), it says so and asks for REDIS_URL.
"""

import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable, Iterator

import redis
from redis.asyncio import Redis

from mall_api.embedded import EmbeddedStore, StoreError, StoreInUseError
from mall_api.settings import Settings


class CommandError(Exception):
    """What went wrong, in words for the operator; the command exits with status 2."""


def _answers(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


@contextlib.contextmanager
def store_url(settings: Settings) -> Iterator[str]:
    """The URL of the store to use, for as long as the `with` lasts."""
    if settings.redis_url is not None:
        yield settings.redis_url
        return
    embedded = EmbeddedStore(settings.data_dir)
    running = f"unix://{embedded.socket_path}"
    if embedded.socket_path.exists() and _answers(running):
        yield running
        return
    try:
        url = embedded.start()
    except StoreInUseError:
        raise CommandError(
            f"a mall server is using the store in {embedded.store_dir} and cannot be reached through "
            f"{embedded.socket_path}; run this command with REDIS_URL pointing at that server's store"
        ) from None
    except StoreError as exc:
        raise CommandError(f"could not start the store in {embedded.store_dir}: {exc}") from None
    try:
        yield url
    finally:
        embedded.stop()


def run(work: Callable[[Redis], Awaitable[int]], settings: Settings | None = None) -> int:
    """Run `work` against the command's store; its result is the exit status (2 for a CommandError)."""
    settings = settings or Settings.from_env()
    try:
        with store_url(settings) as url:
            return asyncio.run(_with_client(url, work))
    except CommandError as exc:
        print(f"mall: {exc}", file=sys.stderr)
        return 2


async def _with_client(url: str, work: Callable[[Redis], Awaitable[int]]) -> int:
    client = Redis.from_url(url, socket_timeout=30, socket_connect_timeout=5)
    try:
        return await work(client)
    except redis.ConnectionError as exc:
        raise CommandError(f"cannot reach the store at {url}: {exc}") from None
    finally:
        await client.aclose()
