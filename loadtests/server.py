"""Processes the bench drives: a real `mall serve` and the bare websockets echo server, on loopback."""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kb(pid: int) -> int:
    """VmRSS of a process, in KiB, from /proc/PID/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def await_answer(proc: "subprocess.Popen[bytes]", base: str, timeout: float) -> str | None:
    """Poll `GET base/api/stats` until the mall answers 200: None once it does, else why it did not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return f"mall exited with {proc.returncode}"
        try:
            if httpx.get(f"{base}/api/stats", timeout=1).status_code == 200:
                return None
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    return f"mall did not answer in {timeout} s"


class _Child:
    """A child in its own session, stopped with its whole process group."""

    proc: subprocess.Popen[bytes] | None = None
    log_path: Path

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def _spawn(self, argv: list[str], env: dict[str, str]) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child
        self.proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.proc = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()


class MallServer(_Child):
    """`mall serve` on loopback with its embedded store (or `redis_url`), a known secret and `env` on top."""

    def __init__(self, env: dict[str, str] | None = None, redis_url: str | None = None, port: int | None = None,
                 data_dir: Path | None = None, python: str = sys.executable) -> None:
        self.python = python
        self.port = port or free_port()
        self._own_dir = data_dir is None
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix="mall-bench-"))
        self.log_path = self.data_dir / f"mall-{self.port}.log"
        self.secret = secrets.token_urlsafe(32)
        self.redis_url = redis_url
        self.extra_env = env or {}
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws_base = f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> Self:
        env = {**os.environ, "MALL_DATA_DIR": str(self.data_dir), "MALL_SECRET": self.secret, **self.extra_env}
        env.pop("REDIS_URL", None)
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        self._spawn([self.python, "-m", "mall_api.cli", "serve", "--port", str(self.port),
                     "--log-level", "warning"], env)
        assert self.proc is not None
        problem = await_answer(self.proc, self.base, timeout)
        if problem is None:
            return self
        self.stop()
        raise RuntimeError(f"{problem}: {self.log_tail()}")

    def admin_token(self) -> str:
        from mall_api.auth import Tokens

        return Tokens(self.secret).issue("admin", "bench", int(time.time()))[0]

    def stop(self) -> None:
        super().stop()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)


class EchoServer(_Child):
    """`python -m loadtests.echo`: the physical limit of this machine for the same client."""

    def __init__(self, port: int | None = None, python: str = sys.executable) -> None:
        self.python = python
        self.port = port or free_port()
        self.log_path = Path(tempfile.gettempdir()) / f"echo-{self.port}.log"
        self.ws_base = f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15) -> Self:
        self._spawn([self.python, "-m", "loadtests.echo", "--port", str(self.port)], dict(os.environ))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"echo server exited with {self.proc.returncode}: {self.log_tail()}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"echo server did not listen in {timeout} s: {self.log_tail()}")

    def stop(self) -> None:
        super().stop()
        self.log_path.unlink(missing_ok=True)
