"""`GET /api/ocds/{auction_id}` (public): the auction as an OCDS 1.1 release package."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mall_api.context import json, mall
from mall_api.errors import not_found
from mall_api.open_contracting import auction_releases, package


async def release_package(request: Request) -> Response:
    m = mall(request)
    found = await auction_releases(m.redis, request.path_params["auction_id"], m.settings.ocid_prefix)
    if found is None:
        raise not_found("auction")
    releases, changed = found
    return json(package(releases, str(request.url), changed))


routes = [Route("/api/ocds/{auction_id}", release_package, methods=["GET"])]
