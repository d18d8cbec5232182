"""The `mall` command: `mall serve`, `mall token ROLE ID`."""

import argparse
import dataclasses
import logging
import os
import signal
import sys
import time
from typing import Any

from mall_api.auth import ROLES, Tokens, load_secret
from mall_api.commands import register_all
from mall_api.settings import Settings


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from mall_api.app import create_app
    from mall_api.embedded import EmbeddedStore

    settings = Settings.from_env()
    if args.demo:
        from mall_api.demo import run as demo

        demo.prepare(settings.data_dir)
    # uvicorn re-raises the signal that stopped it once it has shut down; exit through Python so
    # that the embedded store below is stopped too rather than orphaned.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    store = None
    if settings.redis_url is None:
        store = EmbeddedStore(settings.data_dir)
        settings = dataclasses.replace(settings, redis_url=store.start())
        logging.getLogger("mall").info("embedded store at %s (data in %s)", settings.redis_url, settings.data_dir)
    if args.workers > 1:
        # Each worker builds its app from the environment, on the store this parent started.
        os.environ["REDIS_URL"] = settings.redis_url or ""
        os.environ["MALL_DATA_DIR"] = str(settings.data_dir)
        load_secret(settings.secret, settings.data_dir)  # generated once, before the workers race for it
    if args.demo:
        demo.start(settings, args.host, args.port)
    app: Any = "mall_api.app:from_env" if args.workers > 1 else create_app(settings)
    try:
        uvicorn.run(
            app, factory=args.workers > 1, workers=args.workers if args.workers > 1 else None,
            host=args.host, port=args.port, ws="websockets-sansio", ws_max_size=4096,
            ws_per_message_deflate=False, ws_ping_interval=settings.ws_ping_s, ws_ping_timeout=settings.ws_ping_s,
            loop="uvloop", http="httptools",
            log_level=args.log_level, access_log=False,
            # Hostile clients (docs/protocol-limits.md): idle keep-alives are dropped, and past
            # MALL_MAX_CONNECTIONS new requests get 503 instead of exhausting the process.
            timeout_keep_alive=settings.keep_alive_s, limit_concurrency=settings.max_connections or None,
        )
    finally:
        if store is not None:
            store.stop()
    return 0


def token(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    tokens = Tokens(load_secret(settings.secret, settings.data_dir))
    issued, _ = tokens.issue(args.role, args.id, int(time.time()), args.ttl)
    print(issued)
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="mall", description="Government procurement online mall (网上商城)")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="run the mall (embedded store unless REDIS_URL is set)")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--log-level", default="info")
    run.add_argument("--workers", type=int, default=1, help="processes sharing one store")
    run.add_argument("--demo", action="store_true", help="seed a demo city and keep auctions running (empty data dir)")
    run.set_defaults(handler=serve)
    tok = commands.add_parser("token", help="print a signed token")
    tok.add_argument("role", choices=ROLES)
    tok.add_argument("id")
    tok.add_argument("--ttl", type=int, default=30 * 24 * 3600, help="seconds")
    tok.set_defaults(handler=token)
    register_all(commands)
    args = parser.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
