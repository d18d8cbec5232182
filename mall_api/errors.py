"""HTTP errors with stable codes: `{"error": {"code", "message", "field"?}}` (API.md conventions)."""

import re

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


def invalid(message: str, field: str | None = None) -> ApiError:
    return ApiError(400, "INVALID", message, field)


def not_found(what: str) -> ApiError:
    return ApiError(404, "NOT_FOUND", f"{what} not found")


def forbidden(message: str = "this is not yours to do") -> ApiError:
    return ApiError(403, "FORBIDDEN", message)


def conflict(message: str, code: str = "CONFLICT") -> ApiError:
    return ApiError(409, code, message)


def rule(code: str, message: str) -> ApiError:
    return ApiError(422, code, message)


_FIELD = re.compile(r"(?:at `\$\.|field `)([A-Za-z_][A-Za-z0-9_]*)")


def from_validation(exc: msgspec.ValidationError | msgspec.DecodeError) -> ApiError:
    text = str(exc)
    match = _FIELD.search(text)
    return invalid(text, match.group(1) if match else None)


async def handle_api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    body: dict[str, str] = {"code": exc.code, "message": exc.message}
    if exc.field:
        body["field"] = exc.field
    return JSONResponse({"error": body}, status_code=exc.status)


async def handle_http_error(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(status, "ERROR")
    headers = dict(getattr(exc, "headers", None) or {})
    if status == 405:
        headers["Allow"] = allowed_methods(request)
    return JSONResponse({"error": {"code": code, "message": str(getattr(exc, "detail", exc))}}, status_code=status,
                        headers=headers)


def allowed_methods(request: Request) -> str:
    """`Allow` of a 405 (RFC 9110) names every method of the path: Starlette's own names only those of
    the first route that matched it, and our paths have one route per method."""
    methods: set[str] = set()
    for route in request.app.routes:
        if isinstance(route, Route) and route.methods and route.path_regex.match(request.url.path):
            methods |= route.methods
    return ", ".join(sorted(methods))
