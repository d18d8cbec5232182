"""`mall serve` owns its embedded store: SIGTERM stops both; a restart finds the data again."""

import os
import signal
import time
from pathlib import Path

import httpx

from tests.conftest import SECRET
from tests.integration.server import MallProcess


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_sigterm_stops_the_embedded_store_and_data_survives(tmp_path: Path) -> None:
    mall = MallProcess(tmp_path).start()
    try:
        store_pid = int((tmp_path / "store" / "valkey.pid").read_text())
        assert alive(store_pid)
        admin = {"Authorization": "Bearer " + _admin_token()}
        r = httpx.post(f"{mall.base}/api/departments", json={"id": "D1", "name": "市财政局"}, headers=admin)
        assert r.status_code == 201
        assert mall.proc is not None
        os.kill(mall.proc.pid, signal.SIGTERM)  # the mall alone, not its process group
        mall.proc.wait(20)
        deadline = time.monotonic() + 10
        while alive(store_pid):
            assert time.monotonic() < deadline, "the embedded store outlived the mall"
            time.sleep(0.1)
        mall = MallProcess(tmp_path, port=mall.port).start()
        assert httpx.get(f"{mall.base}/api/departments").json()["items"][0]["name"] == "市财政局"
    finally:
        mall.kill()


def _admin_token() -> str:
    from mall_api.auth import Tokens

    return Tokens(SECRET).issue("admin", "fin", int(time.time()))[0]
