"""`mall catalog import` and `mall prices import` against the test store (REDIS_URL), read back over HTTP."""

import time
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from catalog.directory import packaged_catalogue_text, read_catalogue
from mall_api.cli import main
from mall_api.clock import now_ms, to_rfc3339
from tests.flow import Auth

DAY_MS = 86_400_000


@pytest.fixture
def mall_cli(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("REDIS_URL", redis_url)

    def run(*argv: str) -> int:
        return main(list(argv))

    return run


def categories(client: TestClient, **query: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {**query, "limit": "500", **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/catalog/categories", params=params).json()
        found += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def test_national_catalogue_imports_fast_and_twice_without_duplicates(
    client: TestClient, mall_cli: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = read_catalogue(packaged_catalogue_text())
    assert len(expected) == 4301
    started = time.perf_counter()
    assert mall_cli("catalog", "import") == 0
    assert time.perf_counter() - started < 10
    assert "4301 added, 0 changed, 0 unchanged" in capsys.readouterr().out
    assert mall_cli("catalog", "import") == 0
    assert "0 added, 0 changed, 4301 unchanged" in capsys.readouterr().out
    stored = categories(client)
    assert [c["code"] for c in stored] == sorted(row.code for row in expected)
    by_code = {c["code"]: c for c in stored}
    assert by_code["A02010105"]["parent"] == "A02010100" and by_code["A02010105"]["name"] == "台式计算机"
    assert by_code["A02000000"]["parent"] is None
    assert all(by_code[c["code"]]["parent"] == row.parent for c, row in zip(stored, sorted(
        expected, key=lambda r: r.code), strict=True))
    assert categories(client, mall="true") == []  # nothing enters the mall by being imported


def test_reimport_keeps_the_directory_and_records_what_it_changes(
    client: TestClient, auth: Auth, mall_cli: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = auth("admin", "fin")
    desktop = {"code": "A02010105", "name": "台式机", "mall": True}
    r = client.post("/api/catalog/categories", json=desktop, headers=admin)
    assert r.status_code == 201
    source = tmp_path / "small.csv"
    source.write_text("code,name,note\nA02000000,设备,\nA02010000,信息化设备,\nA02010100,计算机,\n"
                      "A02010105,台式计算机,\n", encoding="utf-8")
    assert mall_cli("catalog", "import", str(source)) == 0
    assert "3 added, 1 changed, 0 unchanged" in capsys.readouterr().out
    desktop = client.get("/api/catalog/categories/A02010105").json()
    assert desktop["mall"] is True and desktop["name"] == "台式计算机" and desktop["parent"] == "A02010100"
    assert [(c["actor"], c["field"], c["from"], c["to"]) for c in desktop["changes"]] == [
        ("catalog-import", "name", "台式机", "台式计算机"), ("catalog-import", "parent", None, "A02010100")]
    # The admin takes it out of the mall: a change with who and when, which a re-import keeps.
    client.patch("/api/catalog/categories/A02010105", json={"mall": False}, headers=admin)
    assert mall_cli("catalog", "import", str(source)) == 0
    desktop = client.get("/api/catalog/categories/A02010105").json()
    assert desktop["mall"] is False and len(desktop["changes"]) == 3
    assert desktop["changes"][-1]["actor"] == "fin" and desktop["changes"][-1]["at"].endswith("Z")


def test_a_bad_catalogue_file_writes_nothing(
    client: TestClient, mall_cli: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("code,name,note\nA02000000,设备,\nA0200X,坏,\n", encoding="utf-8")
    assert mall_cli("catalog", "import", str(source)) == 2
    assert "line 3" in capsys.readouterr().err
    assert mall_cli("catalog", "import", str(tmp_path / "missing.csv")) == 2
    assert categories(client) == []


@pytest.fixture
def items(client: TestClient, auth: Auth) -> None:
    admin = auth("admin", "fin")
    assert client.post("/api/catalog/categories", json={"code": "A02010105", "name": "台式计算机"},
                       headers=admin).status_code == 201
    for sku in ("PC-1", "PC-2"):
        item = {"sku": sku, "category": "A02010105", "name": "台式机", "unit": "台"}
        assert client.post("/api/catalog/items", json=item, headers=admin).status_code == 201


@pytest.mark.usefixtures("items")
def test_prices_import_csv_reports_bad_rows_by_line_and_loads_the_good(
    client: TestClient, mall_cli: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = to_rfc3339(now_ms())
    ago = to_rfc3339(now_ms() - DAY_MS)
    source = tmp_path / "prices.csv"
    source.write_text(
        "sku,price_fen,source,observed_at\n"
        f"PC-1,480000,jd.com,{now}\n"                 # line 2
        f"PC-1,0,jd.com,{now}\n"                      # line 3: price
        f"GHOST,100,jd.com,{now}\n"                   # line 4: unknown sku
        "\n"                                          # line 5: blank, skipped
        f"PC-1,450000,suning.com,{ago}\n"             # line 6
        "PC-2,12.5,jd.com,2026-01-01T00:00:00Z\n"     # line 7: price
        "PC-2,400000,jd.com,yesterday\n",             # line 8: time
        encoding="utf-8")
    assert mall_cli("prices", "import", str(source)) == 1
    out = capsys.readouterr()
    assert [line.split(":")[0] for line in out.err.splitlines()] == ["line 3", "line 4", "line 7", "line 8"]
    assert "BAD_PRICE" in out.err and "UNKNOWN_SKU" in out.err and "BAD_TIME" in out.err
    assert "2 observations loaded, 4 rows rejected" in out.out
    reference = client.get("/api/catalog/items/PC-1").json()["reference"]
    assert reference == {"price_fen": 450_000, "source": "suning.com", "observed_at": ago}
    assert client.get("/api/catalog/items/PC-2").json()["reference"] is None


@pytest.mark.usefixtures("items")
def test_prices_import_json_lines(
    client: TestClient, mall_cli: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = to_rfc3339(now_ms())
    source = tmp_path / "prices.jsonl"
    source.write_text(
        f'{{"sku": "PC-2", "price_fen": 390000, "source": "jd.com", "observed_at": "{now}"}}\n'
        '{"sku": "PC-2", "price_fen": \n'
        f'{{"sku": "PC-2", "price_fen": 380000, "source": "x", "observed_at": "{now}", "extra": 1}}\n',
        encoding="utf-8")
    assert mall_cli("prices", "import", str(source)) == 1
    err = capsys.readouterr().err.splitlines()
    assert [line.split(":")[0] for line in err] == ["line 2", "line 3"]
    assert client.get("/api/catalog/items/PC-2").json()["reference"]["price_fen"] == 390_000
    assert mall_cli("prices", "import", str(source)) == 1  # loading the same rows again changes nothing
    assert client.get("/api/catalog/items/PC-2").json()["reference"]["price_fen"] == 390_000


def test_prices_import_refuses_a_file_it_cannot_read(
    mall_cli: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "prices.csv"
    source.write_text("sku,price\nPC-1,1\n", encoding="utf-8")
    assert mall_cli("prices", "import", str(source)) == 2
    assert "line 1" in capsys.readouterr().err
