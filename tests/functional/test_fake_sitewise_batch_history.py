"""The SiteWise fake's BatchGetAssetPropertyValueHistory, through botocore: entries share pages as in AWS."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from local.fake_sitewise import FakeSiteWise

START = datetime(2026, 10, 1, tzinfo=UTC)


@pytest.fixture
def fleet(aws_credentials: None) -> Iterator[tuple[FakeSiteWise, list[str], str]]:
    fake = FakeSiteWise()
    model = fake.add_asset_model("Pump", [("result", "STRING", None)], created_at=START)
    pumps = [fake.add_asset(f"Pump {number}", model, created_at=START) for number in range(3)]
    result = fake.property_id(pumps[0], "result")
    for number, pump in enumerate(pumps[:2]):
        times = [START + timedelta(minutes=5 * step) for step in range(1, 11 + number)]
        fake.put_points(pump, result, times, [json.dumps({"prediction": 0, "n": step}) for step in range(len(times))])
    with fake.serving():
        yield fake, pumps, result


def read_all(entries: list[dict[str, Any]], **params: Any) -> tuple[dict[str, list[Any]], list[Any], set[str], int]:
    sitewise = boto3.client("iotsitewise", region_name="us-east-1")
    collected: dict[str, list[Any]] = defaultdict(list)
    errors, skipped, token, pages = [], set(), None, 0
    while True:
        page = sitewise.batch_get_asset_property_value_history(
            entries=entries, **params, **({"nextToken": token} if token else {})
        )
        pages += 1
        for item in page["successEntries"]:
            collected[item["entryId"]].extend(item["assetPropertyValueHistory"])
        errors += [(item["entryId"], item["errorCode"]) for item in page["errorEntries"]]
        skipped |= {item["entryId"] for item in page["skippedEntries"] if item["completionStatus"] == "SUCCESS"}
        token = page.get("nextToken")
        if not token:
            return collected, errors, skipped, pages


def test_entries_share_pages_each_with_its_own_window_and_an_unknown_one_is_an_error_entry(
    fleet: tuple[FakeSiteWise, list[str], str],
) -> None:
    fake, pumps, result = fleet
    end = START + timedelta(hours=2)
    entries = [
        {"entryId": "p0", "assetId": pumps[0], "propertyId": result, "startDate": START, "endDate": end},
        # start exclusive, end inclusive, as GetAssetPropertyValueHistory
        {
            "entryId": "p1",
            "assetId": pumps[1],
            "propertyId": result,
            "startDate": START + timedelta(minutes=5),
            "endDate": START + timedelta(minutes=30),
        },
        {"entryId": "empty", "assetId": pumps[2], "propertyId": result, "startDate": START, "endDate": end},
        {
            "entryId": "unknown",
            "assetId": pumps[0],
            "propertyId": str(uuid.uuid4()),
            "startDate": START,
            "endDate": end,
        },
    ]
    collected, errors, skipped, pages = read_all(entries, maxResults=4)

    assert [json.loads(v["value"]["stringValue"])["n"] for v in collected["p0"]] == list(range(10))
    assert [json.loads(v["value"]["stringValue"])["n"] for v in collected["p1"]] == [1, 2, 3, 4, 5]
    assert collected["empty"] == [] and errors == [("unknown", "ResourceNotFoundException")]
    assert "p0" in skipped and pages == 4  # 15 values, 4 a page; p0 finished on the third page
    assert fake.calls.count("BatchGetAssetPropertyValueHistory") == pages
    assert set(fake.hosts) == {"data.iotsitewise.us-east-1.amazonaws.com"}


def test_a_page_closes_at_its_byte_budget_and_the_limits_are_the_services(
    fleet: tuple[FakeSiteWise, list[str], str],
) -> None:
    fake, pumps, result = fleet
    fake.history_page_bytes = 300  # about three values
    entry = {"assetId": pumps[0], "propertyId": result, "startDate": START, "endDate": START + timedelta(hours=2)}
    collected, _, _, pages = read_all([{"entryId": "p0", **entry}], maxResults=20_000)
    assert len(collected["p0"]) == 10 and pages > 3
    with pytest.raises(ClientError, match="InvalidRequestException"):
        read_all([{"entryId": f"e{n}", **entry} for n in range(17)])
    with pytest.raises(ClientError, match="InvalidRequestException"):
        read_all([{"entryId": "p0", **entry}], maxResults=20_001)
