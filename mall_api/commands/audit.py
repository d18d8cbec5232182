"""`mall audit verify [ID...]`: check the audit chain of auctions' logs (and of plans' histories);
`mall audit replay AUCTION`: re-run an auction's close from its log with the engine.

`verify` with no ids checks every auction log in the store and every plan; an id is an auction's or
a plan's. Each broken chain is named with the first event (or history row) that was edited, dropped
or moved. Exit status: 0 all hold, 1 something is broken or does not reproduce, 2 the command failed.
"""

import argparse

from redis.asyncio import Redis

from mall_api.audit import auction_ids, audit_auction, replay, verify_plan
from mall_api.commands.store import run
from mall_api.store import keys
from mall_api.store.documents import Documents


async def _all_ids(redis: Redis) -> tuple[list[str], list[str]]:
    auctions = await auction_ids(redis)
    plans: list[str] = []
    docs, cursor = Documents(redis), None
    while True:
        chunk, cursor = await docs.page("plan", cursor, 500)
        plans += [p["id"] for p in chunk]
        if cursor is None:
            return auctions, plans


async def _verify_auction(redis: Redis, auction_id: str) -> bool:
    report = await audit_auction(redis, auction_id)
    assert report is not None
    verdict = report["verification"]
    if verdict["ok"]:
        print(f"auction {auction_id}: ok ({len(report['events'])} events, head {report['head']['link'][:16]}…)")
        return True
    print(f"auction {auction_id}: BROKEN at seq {verdict['seq']}: {verdict['problem']} — {verdict['detail']}")
    return False


async def _verify_plan(docs: Documents, plan_id: str) -> bool:
    plan = await docs.get("plan", plan_id)
    assert plan is not None
    verdict = verify_plan(plan)
    print(f"plan {plan_id}: {'ok' if verdict['ok'] else 'BROKEN'} — {verdict['detail']}")
    return bool(verdict["ok"])


def _verify(args: argparse.Namespace) -> int:
    async def work(redis: Redis) -> int:
        docs = Documents(redis)
        if args.ids:
            auctions, plans, unknown = [], [], []
            for name in args.ids:
                if await redis.exists(keys.auction_events(name)):
                    auctions.append(name)
                elif await docs.get("plan", name) is not None:
                    plans.append(name)
                else:
                    unknown.append(name)
            for name in unknown:
                print(f"{name}: no such auction or plan")
            if unknown:
                return 2
        else:
            auctions, plans = await _all_ids(redis)
        ok = [await _verify_auction(redis, a) for a in auctions] + [await _verify_plan(docs, p) for p in plans]
        print(f"{len(auctions)} auctions, {len(plans)} plans: {ok.count(False)} broken")
        return 0 if all(ok) else 1

    return run(work)


def _replay(args: argparse.Namespace) -> int:
    async def work(redis: Redis) -> int:
        found = await replay(redis, args.auction)
        if found is None:
            print(f"{args.auction}: no such auction")
            return 2
        result, differences = found
        outcome = result.outcome
        print(f"auction {args.auction}: {result.status} — {result.detail}")
        if outcome is not None:
            print(f"  engine's outcome: {outcome}")
        for difference in differences:
            print(f"  DIFFERS: {difference}")
        return 0 if not differences else 1

    return run(work)


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    audit = subparsers.add_parser("audit", help="verify the audit chain; replay a close")
    actions = audit.add_subparsers(dest="audit_command", required=True)
    verify = actions.add_parser("verify", help="check the chains of auction logs and plan histories")
    verify.add_argument("ids", nargs="*", metavar="ID", help="auction or plan ids (default: all)")
    verify.set_defaults(handler=_verify)
    again = actions.add_parser("replay", help="re-run an auction's close from its log with the engine")
    again.add_argument("auction")
    again.set_defaults(handler=_replay)
