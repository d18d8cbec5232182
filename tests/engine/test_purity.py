"""The engine (and the pure parts of the catalog) never does I/O, reads a clock or draws randomness."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE_FILES = [
    *sorted((ROOT / "engine").rglob("*.py")),
    ROOT / "catalog" / "codes.py",
    ROOT / "catalog" / "reference.py",
    ROOT / "catalog" / "directory.py",
]

FORBIDDEN_MODULES = frozenset({
    "asyncio", "redis", "starlette", "websockets", "uvicorn", "httpx", "socket", "time", "random", "uuid", "secrets",
})
FORBIDDEN_CALLS = frozenset({("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time")})


def _dotted(node: ast.expr) -> list[str]:
    """`a.b.c` -> ['a', 'b', 'c']; anything else -> []."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return parts[::-1]
    return []


def impurities(source: str, filename: str = "<string>") -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in FORBIDDEN_MODULES:
                    found.append(f"{filename}:{node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and node.module.split(".")[0] in FORBIDDEN_MODULES:
                found.append(f"{filename}:{node.lineno}: from {node.module} import ...")
        elif isinstance(node, ast.Call):
            parts = _dotted(node.func)
            if len(parts) >= 2 and (parts[-2], parts[-1]) in FORBIDDEN_CALLS:
                found.append(f"{filename}:{node.lineno}: calls {'.'.join(parts)}()")
    return found


def test_the_pure_files_exist() -> None:
    names = {path.relative_to(ROOT).as_posix() for path in PURE_FILES}
    for expected in ("engine/auction.py", "engine/orderbook.py", "engine/transitions.py", "engine/events.py",
                     "engine/commands.py", "engine/codes.py", "engine/filing.py", "engine/launch.py",
                     "engine/ratelimit.py", "engine/announcements.py", "catalog/codes.py",
                     "catalog/reference.py", "catalog/directory.py"):
        assert expected in names
        assert (ROOT / expected).is_file()


@pytest.mark.parametrize("path", PURE_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_pure_file_has_no_io_clock_or_randomness(path: Path) -> None:
    assert impurities(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT))) == []


@pytest.mark.parametrize(
    "source",
    [
        "import asyncio\n",
        "import redis.asyncio as r\n",
        "from starlette.requests import Request\n",
        "import os, socket\n",
        "from time import monotonic\n",
        "import random\n",
        "from uuid import uuid4\n",
        "import secrets\n",
        "import datetime\nx = datetime.datetime.now()\n",
        "from datetime import date\nd = date.today()\n",
        "from datetime import datetime\nx = datetime.now(tz=None)\n",
        "def f(time):\n    return time.time()\n",
    ],
)
def test_the_check_can_fail(source: str) -> None:
    assert impurities(source)


@pytest.mark.parametrize(
    "source",
    [
        "from datetime import date, datetime, time, timedelta\nx = datetime.fromtimestamp(0)\n",
        "from .time import x\n",
        "import msgspec\nfrom sortedcontainers import SortedList\n",
        "timeout = 3\nrandomness = 'x'\n",
    ],
)
def test_the_check_passes_pure_code(source: str) -> None:
    assert impurities(source) == []
