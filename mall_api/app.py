"""`create_app(settings)` builds the whole mall; nothing connects at import time."""

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware

from mall_api import audit_feed, openapi, ws
from mall_api.auth import Tokens, load_secret
from mall_api.context import Mall
from mall_api.errors import ApiError, handle_api_error, handle_http_error
from mall_api.flags import Supervision
from mall_api.hub import Hub
from mall_api.limits import BodyLimit, ConnectionCounter
from mall_api.projections import Projector
from mall_api.registry import Registry
from mall_api.routes import archives, auctions, audit, catalog, libraries, ocds, plans, portal, supervision, tokens
from mall_api.settings import Settings
from mall_api.store.documents import Documents
from mall_api.store.log import AuctionLog
from mall_api.web import pages

log = logging.getLogger("mall")
SHUTDOWN_STEP_S = 5.0


def connect(url: str) -> Redis:
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=64,
        timeout=5,
        socket_timeout=5,
        socket_connect_timeout=2,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), 3),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
    )
    return Redis(connection_pool=pool)


async def wait_for_store(redis: Redis, seconds: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        try:
            await redis.ping()
            return
        except (RedisConnectionError, RedisTimeoutError, OSError):
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.2)


def from_env() -> Starlette:
    """The app of one `mall serve --workers N` worker."""
    return create_app(Settings.from_env())


def create_app(settings: Settings) -> Starlette:
    if settings.redis_url is None:
        raise ValueError("create_app needs a store: set REDIS_URL, or start one with `mall serve`")
    redis_url = settings.redis_url

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        redis = connect(redis_url)
        await wait_for_store(redis)
        docs = Documents(redis)
        event_log = AuctionLog(redis)
        hub = Hub(settings.book_interval_ms)
        projector = Projector(redis, docs, Supervision(settings.abnormal_low_pct, settings.repeat_wins))
        registry = Registry(redis, event_log, hub, projector, settings.bid_rate)
        tokens = Tokens(load_secret(settings.secret, settings.data_dir))
        app.state.mall = Mall(settings, redis, docs, event_log, hub, registry, tokens, projector)
        loaded = await registry.load_live()
        registry.start()
        # What start-up built lives as long as the process: keep it out of every future collection.
        gc.collect()
        gc.freeze()
        log.info("mall ready: %d live auctions loaded", loaded)
        try:
            yield
        finally:
            # Shutdown is bounded: a task cancelled while it waited for a pooled connection can leave
            # the pool's lock held (an asyncio.Condition quirk of Python 3.11), and stopping must not hang.
            for step in (registry.stop(), redis.aclose(), redis.connection_pool.disconnect()):
                try:
                    await asyncio.wait_for(step, SHUTDOWN_STEP_S)
                except Exception as exc:  # shutting down: report and go on
                    log.warning("shutdown step did not finish cleanly: %r", exc)

    routes = [
        *libraries.routes,
        *catalog.routes,
        *tokens.routes,
        *plans.routes,
        *archives.routes,
        *auctions.routes,
        *portal.routes,
        *audit.routes,
        *ocds.routes,
        *supervision.routes,
        *ws.routes,
        *audit_feed.routes,
        *openapi.routes,
        *pages.routes,
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={ApiError: handle_api_error, HTTPException: handle_http_error},
        middleware=[Middleware(BodyLimit)],
    )
    app.state.ws_connections = ConnectionCounter(settings.max_conn_per_token)
    return app
