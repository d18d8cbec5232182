"""A TCP proxy between the browser and a real `mall serve`, able to cut a websocket mid-bid: the
next client frame on a websocket is forwarded to the server, then both sides are closed before any
answer can come back (so the bid is placed and its acknowledgement lost)."""

import contextlib
import socket
import threading

CHUNK = 65536


class CuttingProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self.base = f"http://127.0.0.1:{self.port}"
        self._armed: int | None = None  # cut after forwarding a websocket chunk of at least this many bytes
        self.hold = False  # while set, new websockets are refused (closed at their upgrade request)
        self._lock = threading.Lock()
        self.cuts = 0
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, min_bytes: int = 20, hold: bool = False) -> None:
        """Cut after the next websocket chunk of `min_bytes` or more (browsers answer server pings with small
        pongs; a bid frame is larger); with `hold`, refuse new websockets until `hold` is cleared."""
        with self._lock:
            self._armed = min_bytes
            self.hold = hold

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            self._sockets += [client, server]
            pair = {"ws": False}
            threading.Thread(target=self._pump, args=(client, server, pair, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, pair, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, pair: dict[str, bool], upstream: bool) -> None:
        try:
            while data := source.recv(CHUNK):
                if upstream and data.startswith(b"GET /ws/"):
                    pair["ws"] = True
                    if self.hold:
                        break
                sink.sendall(data)
                if upstream and pair["ws"] and self._should_cut(len(data)):
                    break
        except OSError:
            pass
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _should_cut(self, size: int) -> bool:
        with self._lock:
            if self._armed is None or size < self._armed:
                return False
            self._armed = None
            self.cuts += 1
            return True

    def close(self) -> None:
        self._listener.close()
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.close()
