"""Which store the administrative commands use without REDIS_URL: the running server's embedded store
(through its socket), else one they start and stop themselves; and a clear refusal when the data
directory is held by a server they cannot reach."""

import fcntl
import os
import subprocess
from pathlib import Path

import httpx
import pytest
import redis

from mall_api.cli import main
from mall_api.embedded import EmbeddedStore
from mall_api.store import keys
from tests.integration.server import MALL, MallProcess


def mall_command(data_dir: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MALL_DATA_DIR": str(data_dir)}
    env.pop("REDIS_URL", None)
    return subprocess.run([MALL, *argv], env=env, capture_output=True, text=True, timeout=60, check=False)


def test_a_command_writes_through_the_running_servers_store(tmp_path: Path) -> None:
    server = MallProcess(tmp_path).start()
    try:
        done = mall_command(tmp_path, "laws", "load")
        assert done.returncode == 0, done.stderr
        laws = httpx.get(f"{server.base}/api/laws", params={"limit": 500}, timeout=10).json()["items"]
        assert len(laws) == 14
    finally:
        server.stop()


def test_without_a_server_a_command_starts_the_store_and_stops_it(tmp_path: Path) -> None:
    done = mall_command(tmp_path, "laws", "load")
    assert done.returncode == 0, done.stderr
    assert "14 added" in done.stdout
    # The command's store is gone (the lock is free) and what it wrote is on disk.
    with EmbeddedStore(tmp_path) as store:
        client = redis.Redis.from_url(store.url)
        try:
            assert client.hlen(keys.documents("law")) == 14
        finally:
            client.close()


def test_a_store_held_by_an_unreachable_server_is_refused_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("MALL_DATA_DIR", str(tmp_path))
    (tmp_path / "store").mkdir()
    with open(tmp_path / "store" / "store.lock", "ab") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a server on TCP would hold it
        assert main(["laws", "load"]) == 2
    err = capsys.readouterr().err
    assert "REDIS_URL" in err and "a mall server is using the store" in err
