"""Browser tests: Debian's chromium (installed by .ci/run), driven by Playwright, against one real
`mall serve` on loopback per package; axe-core from the npm registry checks accessibility."""

import subprocess
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright

from mall_api.auth import Tokens
from tests.conftest import SECRET
from tests.flow import seed_libraries
from tests.integration.server import MallProcess

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


class Site:
    """The mall under test, seeded through the public API, with tokens for every role."""

    def __init__(self, mall: MallProcess) -> None:
        self.mall = mall
        self.base = mall.base
        self.http = httpx.Client(base_url=mall.base, timeout=10)
        self._tokens = Tokens(SECRET)

    def token(self, role: str, subject: str) -> str:
        issued, _ = self._tokens.issue(role, subject, now_s=int(time.time()))  # type: ignore[arg-type]
        return issued

    def auth(self, role: str, subject: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, subject)}"}


@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    mall = MallProcess(tmp_path_factory.mktemp("browser-mall")).start()
    try:
        s = Site(mall)
        seed_libraries(s.http, s.auth, suppliers=4)
        yield s
        s.http.close()
    finally:
        mall.stop()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="package")
def axe_source(tmp_path_factory: pytest.TempPathFactory) -> str:
    """axe-core's axe.min.js, fetched with `npm pack` from the npm registry (needs the network)."""
    folder = tmp_path_factory.mktemp("axe")
    packed = subprocess.run(["npm", "pack", "axe-core@4", "--silent"], cwd=folder, capture_output=True, text=True,
                            timeout=120)
    assert packed.returncode == 0, f"npm could not fetch axe-core (is the npm registry reachable?): {packed.stderr}"
    archive = folder / packed.stdout.strip().splitlines()[-1]
    with tarfile.open(archive) as tar:
        member = tar.extractfile("package/axe.min.js")
        assert member is not None
        return member.read().decode()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = tmp_path / "screenshots"
    folder.mkdir()
    return folder
