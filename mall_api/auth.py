"""Tokens: signed (HS256, PyJWT) claims of a role and an id, and the role checks of every endpoint.

The secret is `MALL_SECRET`, or one generated on first start into the data directory, which
`mall token` reads too.
"""

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import jwt

from mall_api.errors import ApiError

Role = Literal["admin", "dept", "buyer", "supplier"]
ROLES: tuple[Role, ...] = ("admin", "dept", "buyer", "supplier")
DEFAULT_TTL_S = 30 * 24 * 3600


@dataclass(frozen=True, slots=True)
class Principal:
    role: Role
    id: str


def load_secret(configured: str | None, data_dir: Path) -> str:
    if configured:
        return configured
    path = data_dir / "secret"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    # Write-then-rename so that two processes starting together agree on one secret.
    tmp = path.with_suffix(f".{secrets.token_hex(4)}")
    tmp.write_text(secret)
    tmp.chmod(0o600)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text().strip()


class Tokens:
    def __init__(self, secret: str) -> None:
        self._secret = secret

    def issue(self, role: Role, subject: str, now_s: int, ttl_s: int = DEFAULT_TTL_S) -> tuple[str, int]:
        expires = now_s + ttl_s
        token = jwt.encode({"role": role, "sub": subject, "iat": now_s, "exp": expires}, self._secret, "HS256")
        return token, expires

    def verify(self, token: str) -> Principal | None:
        try:
            claims = jwt.decode(token, self._secret, algorithms=["HS256"], options={"require": ["exp", "sub"]})
        except jwt.PyJWTError:
            return None
        role, subject = claims.get("role"), claims.get("sub")
        if role not in ROLES or not isinstance(subject, str) or not subject:
            return None
        return Principal(role, subject)


def bearer(header: str | None) -> str | None:
    if header and header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def require(principal: Principal | None, *roles: Role) -> Principal:
    if principal is None:
        raise ApiError(401, "UNAUTHORIZED", "a valid bearer token is required")
    if roles and principal.role not in roles:
        raise ApiError(403, "FORBIDDEN", f"this needs the role {' or '.join(roles)}")
    return principal
