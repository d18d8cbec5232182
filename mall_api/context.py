"""What every endpoint needs: the mall's parts (built once by `create_app`), the caller, the body,
pagination, and JSON responses."""

from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec
import orjson
from redis.asyncio import Redis
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from mall_api.auth import Principal, Tokens, bearer
from mall_api.errors import from_validation, invalid
from mall_api.hub import Hub
from mall_api.limits import MAX_BODY, read_body
from mall_api.projections import Projector
from mall_api.registry import Registry
from mall_api.settings import Settings
from mall_api.store.documents import Documents
from mall_api.store.log import AuctionLog

T = TypeVar("T")
MAX_LIMIT = 500


@dataclass(slots=True)
class Mall:
    settings: Settings
    redis: Redis
    docs: Documents
    log: AuctionLog
    hub: Hub
    registry: Registry
    tokens: Tokens
    projector: Projector


def mall(conn: HTTPConnection) -> Mall:
    return conn.app.state.mall


def principal(conn: HTTPConnection) -> Principal | None:
    token = bearer(conn.headers.get("authorization")) or conn.query_params.get("token")
    return None if token is None else mall(conn).tokens.verify(token)


CLOSE_BAD_TOKEN = 4401


async def accept_caller(websocket: WebSocket) -> Principal | None:
    """Accept a websocket and return its caller; without a valid token close it 4401 and return None
    (a close code can only be sent on an accepted socket)."""
    await websocket.accept()
    who = principal(websocket)
    if who is None:
        await websocket.close(CLOSE_BAD_TOKEN, "a valid token is required")
    return who


async def body(request: Request, kind: type[T]) -> T:
    """Decode the JSON body into `kind` (unknown fields rejected); 400 INVALID naming the field."""
    raw = await read_body(request, MAX_BODY)  # 413 PAYLOAD_TOO_LARGE past the cap, never read unbounded
    try:
        return msgspec.json.decode(raw, type=kind)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise from_validation(exc) from None


def page_params(request: Request) -> tuple[str | None, int]:
    raw = request.query_params.get("limit", "50")
    try:
        limit = int(raw)
    except ValueError:
        raise invalid("limit must be a whole number", "limit") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise invalid(f"limit must be between 1 and {MAX_LIMIT}", "limit")
    return request.query_params.get("cursor") or None, limit


def json(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


def page(items: list[Any], next_cursor: str | None) -> Response:
    return json({"items": items, "next_cursor": next_cursor})
