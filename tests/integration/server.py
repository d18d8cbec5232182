"""A real `mall serve` process for integration tests (its own embedded store, or a given REDIS_URL)."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from loadtests.server import await_answer
from tests.conftest import SECRET

# The console script `pip install` put beside this interpreter: the command a user runs.
MALL = str(Path(sys.executable).with_name("mall"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MallProcess:
    def __init__(
        self, data_dir: Path, port: int | None = None, redis_url: str | None = None,
        env: dict[str, str] | None = None, extra_args: list[str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.redis_url = redis_url
        self.extra_env = env or {}
        self.extra_args = extra_args or []
        self.proc: subprocess.Popen[bytes] | None = None
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws_base = f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> "MallProcess":
        self.spawn()
        return self.wait_ready(timeout)

    def spawn(self) -> "MallProcess":
        env = {**os.environ, "MALL_DATA_DIR": str(self.data_dir), "MALL_SECRET": SECRET,
               "MALL_BOOK_INTERVAL_MS": "10"}
        env.pop("REDIS_URL", None)
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        env.update(self.extra_env)
        log = open(self.data_dir / f"mall-{self.port}.log", "ab")  # noqa: SIM115 - owned by the child
        self.proc = subprocess.Popen(
            [MALL, "serve", "--port", str(self.port), "--log-level", "warning", *self.extra_args],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        return self

    def wait_ready(self, timeout: float = 30) -> "MallProcess":
        assert self.proc is not None
        problem = await_answer(self.proc, self.base, timeout)
        if problem is None:
            return self
        self.kill()
        raise RuntimeError(f"{problem}: {self.log_tail()}")

    def log_tail(self) -> str:
        path = self.data_dir / f"mall-{self.port}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def kill(self) -> None:
        """SIGKILL the whole process group: the mall and its embedded store die together."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.proc = None


@contextlib.contextmanager
def nodes_on(base_dir: Path, redis_url: str, count: int) -> Iterator[list[MallProcess]]:
    """`count` mall processes on one store, started together, each with its own data directory."""
    started: list[MallProcess] = []
    try:
        for n in range(count):
            (base_dir / f"node{n}").mkdir()
            started.append(MallProcess(base_dir / f"node{n}", redis_url=redis_url).spawn())
        for node in started:
            node.wait_ready()
        yield started
    finally:
        for node in started:
            node.stop()
