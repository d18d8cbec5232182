"""`GET /api/audit/{auction_id}` (admin, or the department of the buying unit): every stored event
of the auction in order, each with its chain link, and whether the chain holds (mall_api.audit)."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mall_api.audit import audit_auction
from mall_api.auth import Principal, require
from mall_api.context import Mall, json, mall, principal
from mall_api.errors import forbidden, not_found


async def may_supervise(m: Mall, who: Principal, unit_id: str | None) -> bool:
    """The admin supervises every unit; a department, the units under it."""
    if who.role == "admin":
        return True
    unit = await m.docs.get("unit", unit_id) if unit_id else None
    return unit is not None and unit.get("department_id") == who.id


async def audit(request: Request) -> Response:
    who = require(principal(request), "admin", "dept")
    m = mall(request)
    auction_id = request.path_params["auction_id"]
    summary = await m.docs.get("auction", auction_id)
    report = await audit_auction(m.redis, auction_id)
    if report is None:
        raise not_found("auction")
    buyer = summary.get("buyer_id") if summary else (report["events"][0].get("event") or {}).get("buyer_id")
    if not await may_supervise(m, who, buyer):
        raise forbidden("the auction belongs to a unit of another department")
    return json(report)


routes = [Route("/api/audit/{auction_id}", audit, methods=["GET"])]
