"""The archives library (档案库): a closed project's whole record, read-only, by its batch number.

`GET /api/archives/{batch_no}` is public. The record is assembled when it is read, from what the
mall already keeps — the plan document (with its history), the auction summaries (documents of kind
"auction") and the announcements — so it can never disagree with them and there is nothing to write.

A project is closed when nothing more can happen to it: one of its auctions was awarded, or its
deadline has passed with no auction running (failed, cancelled or never launched). Before that the
archive answers 409 `PROJECT_OPEN`; a batch number no plan was filed under is 404.
"""

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine.announcements import KINDS, announcement_id
from mall_api.clock import now_ms, to_rfc3339
from mall_api.context import Mall, json, mall
from mall_api.errors import conflict, not_found
from mall_api.store import keys
from mall_api.store.documents import Doc
from mall_api.store.filing import PlanSteps

ENDED = ("awarded", "failed", "cancelled")


def auction_ids(plan: Doc) -> list[str]:
    """Every auction launched for the plan, oldest first (the history names each; the plan its latest)."""
    ids = [row["auction_id"] for row in plan["history"] if row.get("auction_id")]
    if plan.get("auction_id"):
        ids.append(plan["auction_id"])
    return list(dict.fromkeys(ids))


def closing(plan: Doc, auctions: list[Doc], at_ms: int) -> str | None:
    """Why the project is closed (`awarded` or `expired`), or None while something can still happen."""
    if any(auction["status"] == "awarded" for auction in auctions):
        return "awarded"
    running = any(auction["status"] not in ENDED for auction in auctions)
    if not running and plan.get("deadline_ms") is not None and at_ms > plan["deadline_ms"]:
        return "expired"
    return None


def _times(announcement: dict[str, Any]) -> dict[str, Any]:
    """Announcements keep their times in ms; the contract's are RFC 3339."""
    return {name: to_rfc3339(value) if name.endswith("_at") and isinstance(value, int) else value
            for name, value in announcement.items()}


async def _announcements(m: Mall, ids: list[str]) -> list[dict[str, Any]]:
    wanted = [announcement_id(auction, kind) for auction in ids for kind in KINDS]
    raws = await m.redis.hmget(keys.ANNOUNCEMENTS, wanted) if wanted else []
    found = [orjson.loads(raw) for raw in raws if raw is not None]
    return [_times(a) for a in sorted(found, key=lambda a: (a["published_at"], a["id"]))]


async def get_archive(request: Request) -> Response:
    m = mall(request)
    batch_no = request.path_params["batch_no"]
    plan_id = await PlanSteps(m.redis).plan_of_batch(batch_no)
    plan = None if plan_id is None else await m.docs.get("plan", plan_id)
    if plan is None:
        raise not_found(f"archive {batch_no}")
    ids = auction_ids(plan)
    auctions = [doc for doc in await m.docs.get_many("auction", ids) if doc is not None]
    reason = closing(plan, auctions, now_ms())
    if reason is None:
        raise conflict(f"project {batch_no} is still open: its archive is kept once it closes", "PROJECT_OPEN")
    awarded = next((a for a in auctions if a["status"] == "awarded"), None)
    last = awarded or (auctions[-1] if auctions else None)
    return json({
        "batch_no": batch_no,
        "closed": reason,
        "plan": {field: value for field, value in plan.items() if field != "history"},
        "history": plan["history"],
        "result": None if last is None else last.get("result"),
        "auctions": auctions,
        "announcements": await _announcements(m, ids),
    })


routes = [Route("/api/archives/{batch_no}", get_archive, methods=["GET"])]
