"""The embedded valkey store with real processes: AOF restart, SIGKILL recovery, orphans."""

import contextlib
import logging
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from mall_api.embedded import EmbeddedStore, StoreInUseError

ROOT = Path(__file__).resolve().parents[2]
KEYS = 200

WRITER = """
import sys, time
from pathlib import Path
import redis
from mall_api.embedded import EmbeddedStore

store = EmbeddedStore(Path(sys.argv[1]))
url = store.start()
client = redis.Redis.from_url(url)
for i in range(int(sys.argv[2])):
    client.set(f"key:{i}", f"value:{i}")
print(f"done {store.pid} {url}", flush=True)
time.sleep(600)
"""


def is_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def wait_dead(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_alive(pid):
            return True
        time.sleep(0.05)
    return False


@contextlib.contextmanager
def client_for(url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(url, decode_responses=True)
    try:
        yield client
    finally:
        client.close()


@contextlib.contextmanager
def writer_process(data_dir: Path, log_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """A child in its own session that starts a store, writes KEYS keys and sleeps.

    Yields the child and its valkey-server's pid. On exit the whole process group
    (child and any surviving valkey) is SIGKILLed and reaped.
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(data_dir), str(KEYS)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            start_new_session=True,
        )
    try:
        assert proc.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            ready = selector.select(timeout=60)
        line = proc.stdout.readline() if ready else ""
        assert line.startswith("done "), f"writer failed: {line!r}\n{log_path.read_text()}"
        yield proc, int(line.split()[1])
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def assert_all_keys(url: str) -> None:
    with client_for(url) as client:
        values = client.mget([f"key:{i}" for i in range(KEYS)])
    assert values == [f"value:{i}" for i in range(KEYS)]


def test_restart_keeps_data_via_aof(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path)
    try:
        url = store.start()
        assert url == f"unix://{tmp_path.resolve()}/store/valkey.sock"
        assert (tmp_path / "store" / "valkey.pid").read_text().strip() == str(store.pid)
        with client_for(url) as client:
            client.set("bid:1", "4999")
    finally:
        store.stop()
    assert not (tmp_path / "store" / "valkey.pid").exists()
    assert any((tmp_path / "store" / "appendonlydir").glob("*.aof"))

    with EmbeddedStore(tmp_path) as again, client_for(again.url) as client:
        assert client.get("bid:1") == "4999"


def test_second_store_on_same_dir_is_refused(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as first:
        with pytest.raises(StoreInUseError):
            EmbeddedStore(tmp_path).start()
        with client_for(first.url) as client:
            assert client.ping()
    with EmbeddedStore(tmp_path) as second, client_for(second.url) as client:
        assert client.ping()


def test_sigkill_of_whole_group_loses_no_acknowledged_write(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data_dir = tmp_path / "data"
    with writer_process(data_dir, tmp_path / "writer.log") as (proc, valkey_pid):
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        assert wait_dead(valkey_pid)
    assert (data_dir / "store" / "valkey.sock").exists()
    assert (data_dir / "store" / "valkey.pid").read_text().strip() == str(valkey_pid)

    with caplog.at_level(logging.INFO, logger="mall.store"), EmbeddedStore(data_dir) as store:
        assert store.pid != valkey_pid
        assert_all_keys(store.url)
    messages = " ".join(r.getMessage() for r in caplog.records if r.name == "mall.store")
    assert "stale pid file" in messages
    assert "stale socket" in messages


@pytest.mark.parametrize("long_path", [False, True], ids=["unix-socket", "tcp-fallback"])
def test_orphaned_server_is_stopped_before_restart(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, long_path: bool
) -> None:
    # A socket path over ~104 bytes cannot be bound, so the store falls back to TCP.
    data_dir = tmp_path / ("d" * 100 if long_path else "data")
    with writer_process(data_dir, tmp_path / "writer.log") as (proc, orphan_pid):
        os.kill(proc.pid, signal.SIGKILL)  # only the mall; its valkey child lives on
        proc.wait(timeout=10)
        time.sleep(0.2)
        assert is_alive(orphan_pid)

        store = EmbeddedStore(data_dir)
        try:
            with caplog.at_level(logging.INFO, logger="mall.store"):
                url = store.start()
            assert url.startswith("redis://127.0.0.1:" if long_path else "unix://")
            assert not is_alive(orphan_pid)
            assert store.pid != orphan_pid
            assert_all_keys(url)
        finally:
            store.stop()
    orphan_logs = [r for r in caplog.records if r.name == "mall.store" and "orphaned" in r.msg]
    assert [r.levelno for r in orphan_logs] == [logging.WARNING]
    assert str(orphan_pid) in orphan_logs[0].getMessage()


def test_pid_file_naming_unrelated_or_dead_process_is_just_removed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store_dir = tmp_path / "store"
    store_dir.mkdir()
    pid_file = store_dir / "valkey.pid"
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(finished.stdout)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        for pid in (sleeper.pid, dead_pid):
            pid_file.write_text(f"{pid}\n")
            caplog.clear()
            with caplog.at_level(logging.INFO, logger="mall.store"), EmbeddedStore(tmp_path) as store:
                assert pid_file.read_text().strip() == str(store.pid)
            assert f"stale pid file {pid_file} (pid {pid}" in caplog.text
        assert sleeper.poll() is None  # the unrelated process was left alone
    finally:
        sleeper.kill()
        sleeper.wait(timeout=10)
