"""The demo's HTTP client: the public API over the standard library (no test-only dependencies)."""

import json
import time
import urllib.error
import urllib.request
from typing import Any


class ApiError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


class Api:
    def __init__(self, base: str, tokens: dict[str, str]) -> None:
        self.base = base
        self.tokens = tokens  # "role:id" → token

    def call(self, method: str, path: str, body: Any = None, who: str | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if who is not None:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise ApiError(exc.code, exc.read().decode(errors="replace")) from None

    def ensure(self, path: str, body: Any, who: str) -> None:
        """POST a library record; one already there (409, a restarted demo) is fine."""
        try:
            self.call("POST", path, body, who)
        except ApiError as exc:
            if exc.status != 409:
                raise

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.call("GET", "/api/stats")
                return
            except (OSError, ApiError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
