"""OCDS 1.1 release packages of awarded, failed and cancelled auctions (`GET /api/ocds/{id}` and
`mall ocds export`), validated offline against the official schema shipped in the package."""

import json
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mall_api.cli import main
from tests.flow import CREDIT_CODES, Auth, seed_libraries
from tests.transparency import cancel_auction, ocds_validator, run_auction


def valid(package: dict[str, Any]) -> dict[str, Any]:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in ocds_validator().iter_errors(package)]
    assert errors == []
    return package


def test_schema_validation_can_fail() -> None:
    errors = list(ocds_validator().iter_errors({
        "uri": "urn:x", "version": "1.1", "publishedDate": "yesterday", "publisher": {"name": "x"},
        "releases": [{"ocid": "o", "id": "1", "date": "2026-01-01T00:00:00Z", "tag": ["award"],
                      "initiationType": "tender", "tender": {"value": {"amount": 1, "currency": "RMB"}}}]}))
    assert {e.validator for e in errors} >= {"format", "enum"}  # dates are checked, and so is the currency


def test_awarded_failed_and_cancelled_auctions_as_ocds(
        client: TestClient, auth: Auth, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_libraries(client, auth)
    awarded = run_auction(client, auth, {"S1": 4_800_000, "S2": 4_700_050}, min_bidders=2)
    failed = run_auction(client, auth, {"S3": 4_000_000}, min_bidders=3)
    cancelled = cancel_auction(client, auth)

    package = valid(client.get(f"/api/ocds/{awarded['id']}").json())
    assert package["version"] == "1.1" and package["uri"].endswith(f"/api/ocds/{awarded['id']}")
    tender, award = package["releases"]
    assert tender["ocid"] == award["ocid"] == f"ocds-cfmall-{awarded['batch_no']}"
    assert (tender["tag"], award["tag"]) == (["tender"], ["award"])
    assert tender["date"] == awarded["created_at"]
    assert tender["tender"]["submissionMethod"] == ["electronicAuction"]
    assert tender["tender"]["awardCriteria"] == "priceOnly"
    assert tender["tender"]["value"] == {"amount": 49_000, "currency": "CNY"}
    assert tender["planning"]["budget"]["amount"] == {"amount": 49_000, "currency": "CNY"}
    assert award["awards"][0]["value"] == {"amount": 47_000.5, "currency": "CNY"}
    assert award["awards"][0]["suppliers"] == [{"id": "supplier-S2", "name": "供应商2"}]
    assert award["tender"]["numberOfTenderers"] == 2
    parties = {p["id"]: p for p in award["parties"]}
    assert parties["unit-U1"]["roles"] == ["buyer", "procuringEntity"] and parties["unit-U1"]["name"] == "赤峰第一中学"
    assert parties["supplier-S2"]["roles"] == ["tenderer", "supplier"]
    assert parties["supplier-S2"]["identifier"] == {"scheme": "CN-USCC", "id": CREDIT_CODES[1], "legalName": "供应商2"}
    assert parties["supplier-S1"]["roles"] == ["tenderer"]

    unsuccessful = valid(client.get(f"/api/ocds/{failed['id']}").json())["releases"][1]
    assert unsuccessful["tag"] == ["tenderUpdate"] and unsuccessful["tender"]["status"] == "unsuccessful"
    assert "awards" not in unsuccessful and unsuccessful["tender"]["numberOfTenderers"] == 1
    stopped = valid(client.get(f"/api/ocds/{cancelled['id']}").json())["releases"][1]
    assert stopped["tag"] == ["tenderCancellation"] and stopped["tender"]["status"] == "cancelled"
    assert client.get("/api/ocds/A-nope").status_code == 404

    monkeypatch.setenv("REDIS_URL", redis_url)
    out = tmp_path / "export.json"
    assert main(["ocds", "export", "--out", str(out), "--uri", "https://mall.example.cn/ocds/all.json"]) == 0
    bulk = valid(json.loads(out.read_text(encoding="utf-8")))
    assert len(bulk["releases"]) == 6
    assert {r["id"] for r in bulk["releases"]} == {
        f"{awarded['id']}-tender", f"{awarded['id']}-award", f"{failed['id']}-tender",
        f"{failed['id']}-unsuccessful", f"{cancelled['id']}-tender", f"{cancelled['id']}-cancellation"}
    assert main(["ocds", "export", "--out", str(out), failed["id"]]) == 0
    assert len(valid(json.loads(out.read_text(encoding="utf-8")))["releases"]) == 2
