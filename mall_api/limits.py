"""Limits that keep one hostile or broken client from hurting the others (docs/protocol-limits.md).

- `FrameBudget`: at most N frames a second on one websocket, whatever they hold; past it the socket is
  closed with 1008 (policy violation). Bids have their own, finer limit (`RATE_LIMITED`, per supplier).
- `ConnectionCounter`: at most N simultaneous websockets per principal (role and id) in one process;
  the next one is closed with 4429 (the websocket twin of HTTP 429).
- `BodyLimit` and `read_body`: a request body over 1 MiB is refused with 413 `PAYLOAD_TOO_LARGE`, from
  `Content-Length` before a byte of it is read, or while streaming a body that did not announce its size.
"""

from collections import Counter

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from mall_api.errors import ApiError

CLOSE_FRAME_BUDGET = 1008
CLOSE_TOO_MANY_CONNECTIONS = 4429
MAX_BODY = 1 << 20
PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
_TOO_LARGE_MESSAGE = f"the body is larger than {MAX_BODY} bytes"


class FrameBudget:
    """A token bucket of `per_second` frames, refilled continuously; 0 means no budget."""

    __slots__ = ("_at", "_per_second", "_tokens")

    def __init__(self, per_second: int, now_ms: int) -> None:
        self._per_second = per_second
        self._tokens = float(per_second)
        self._at = now_ms

    def spend(self, now_ms: int) -> bool:
        """Take one frame; False once the connection has sent more than its budget."""
        if self._per_second <= 0:
            return True
        elapsed = max(0, now_ms - self._at)
        self._at = now_ms
        self._tokens = min(float(self._per_second), self._tokens + elapsed * self._per_second / 1000)
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


class ConnectionCounter:
    """Open websockets per principal in this process; `limit` 0 means no limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: Counter[str] = Counter()

    def acquire(self, key: str) -> bool:
        if self.limit > 0 and self._open[key] >= self.limit:
            return False
        self._open[key] += 1
        return True

    def release(self, key: str) -> None:
        self._open[key] -= 1
        if self._open[key] <= 0:
            del self._open[key]

    def open(self, key: str) -> int:
        return self._open[key]


def too_large() -> ApiError:
    return ApiError(413, PAYLOAD_TOO_LARGE, _TOO_LARGE_MESSAGE)


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The whole body, refusing (413) past `limit` bytes without reading further."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large()
        chunks.append(chunk)
    return b"".join(chunks)


class BodyLimit:
    """ASGI middleware: answer 413 at once to a request whose `Content-Length` is over the limit, before
    any endpoint runs, and close the connection rather than drain the rest."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                    await _refuse(send)
                    return
        await self.app(scope, receive, send)


async def _refuse(send: Send) -> None:
    body = b'{"error":{"code":"%s","message":"%s"}}' % (PAYLOAD_TOO_LARGE.encode(), _TOO_LARGE_MESSAGE.encode())
    await send({"type": "http.response.start", "status": 413, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]})
    await send({"type": "http.response.body", "body": body})
