"""Fixtures shared by unit and functional tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

EVENTS = Path(__file__).parent / "events"
DEMO_NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_MAX_ATTEMPTS": "1",
}


@pytest.fixture(autouse=True)
def fresh_container() -> Iterator[None]:
    """Every test starts a new container: its own environment, clients and empty caches."""
    from lookout_dashboards.container import reset_container

    reset_container()
    yield
    reset_container()


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a region, so no test can reach a real account."""
    for variable, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(variable, value)


@pytest.fixture
def demo(aws_credentials: None) -> Iterator[Any]:
    """The small demo account, fresh for each test."""
    from local.demo import SMALL, demo_account

    with demo_account(SMALL, now=DEMO_NOW) as account:
        yield account


@contextmanager
def shared_account(source: str) -> Iterator[Any]:
    """The small demo account of `source` ("LookoutForEquipment" or "IoTSiteWise"), read through that source, with
    fake credentials: for a module whose tests only read it. One at a time: both demos create the same buckets."""
    from local.demo import SMALL, demo_account
    from local.demo_sitewise import SMALL as SITEWISE_SMALL
    from local.demo_sitewise import sitewise_demo_account

    with pytest.MonkeyPatch.context() as patch:
        for variable, value in {**FAKE_CREDENTIALS, "DATA_SOURCE": source}.items():
            patch.setenv(variable, value)
        if source == "IoTSiteWise":
            account = sitewise_demo_account(SITEWISE_SMALL, now=DEMO_NOW)
        else:
            account = demo_account(SMALL, now=DEMO_NOW)
        with account as built:
            yield built


@pytest.fixture(scope="module")
def shared_demo() -> Iterator[Any]:
    """One small demo account for a module whose tests only read it; never mix with `demo` in a module."""
    with shared_account("LookoutForEquipment") as account:
        yield account


@pytest.fixture
def sitewise_demo(aws_credentials: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The small SiteWise demo account, fresh for each test, read through the SiteWise source."""
    from local.demo_sitewise import SMALL, sitewise_demo_account

    monkeypatch.setenv("DATA_SOURCE", "IoTSiteWise")
    with sitewise_demo_account(SMALL, now=DEMO_NOW) as account:
        yield account


@pytest.fixture(scope="module")
def shared_sitewise_demo() -> Iterator[Any]:
    """One small SiteWise demo account for a module whose tests only read it; never mix with `sitewise_demo`."""
    with shared_account("IoTSiteWise") as account:
        yield account
