"""`mall ocds export [AUCTION...]`: every auction (or those named) as one OCDS 1.1 release package,
written to stdout or `--out FILE`."""

import argparse
import sys
from pathlib import Path

import orjson
from redis.asyncio import Redis

from mall_api.audit import auction_ids
from mall_api.commands.store import run
from mall_api.open_contracting import auction_releases, package
from mall_api.settings import Settings


def _export(args: argparse.Namespace) -> int:
    settings = Settings.from_env()

    async def work(redis: Redis) -> int:
        ids = args.auctions or await auction_ids(redis)
        releases, changed = [], 0
        for auction_id in ids:
            found = await auction_releases(redis, auction_id, settings.ocid_prefix)
            if found is None:
                print(f"{auction_id}: no such auction", file=sys.stderr)
                return 2
            releases += found[0]
            changed = max(changed, found[1])
        if not releases:
            print("no auctions to export", file=sys.stderr)
            return 1
        data = orjson.dumps(package(releases, args.uri, changed), option=orjson.OPT_INDENT_2)
        if args.out:
            Path(args.out).write_bytes(data)
            print(f"{len(releases)} releases of {len(ids)} auctions written to {args.out}", file=sys.stderr)
        else:
            sys.stdout.buffer.write(data + b"\n")
        return 0

    return run(work, settings)


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    ocds = subparsers.add_parser("ocds", help="Open Contracting Data Standard exports")
    actions = ocds.add_subparsers(dest="ocds_command", required=True)
    export = actions.add_parser("export", help="auctions as one OCDS 1.1 release package")
    export.add_argument("auctions", nargs="*", metavar="AUCTION", help="auction ids (default: all)")
    export.add_argument("--out", help="write to this file instead of stdout")
    export.add_argument("--uri", default="urn:mall:ocds:export", help="the package's uri")
    export.set_defaults(handler=_export)
