"""`POST /api/tokens` (admin): how the admin console hands suppliers, buyers and departments their credentials."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mall_api import schemas
from mall_api.auth import DEFAULT_TTL_S, require
from mall_api.clock import now_ms, to_rfc3339
from mall_api.context import body, json, mall, principal


async def issue(request: Request) -> Response:
    require(principal(request), "admin")
    wanted = await body(request, schemas.TokenRequest)
    token, expires_s = mall(request).tokens.issue(
        wanted.role, wanted.id, now_ms() // 1000, DEFAULT_TTL_S if wanted.ttl_s is None else wanted.ttl_s
    )
    return json({"token": token, "expires_at": to_rfc3339(expires_s * 1000)}, 201)


routes: list[Route] = [Route("/api/tokens", issue, methods=["POST"])]
