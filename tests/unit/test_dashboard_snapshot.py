"""The snapshot canary against a fake webdriver: its calls in order, and what it does when the
console does not show what it expects."""

from __future__ import annotations

import sys
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "synthetics"))

import dashboard_snapshot as canary

from lookout_dashboards.dashboards import CANARY_TIMEOUT_SECONDS, canary_of_screenshot


class FakeElement:
    def __init__(self, log: list[Any]) -> None:
        self.log = log

    def click(self) -> None:
        self.log.append(("click",))


class FakeBrowser:
    """Answers `find_elements` from a script of results per locator, and records every call."""

    def __init__(self, answers: dict[str, list[int]]) -> None:
        self.log: list[Any] = []
        self.answers = answers

    def set_window_size(self, width: int, height: int) -> None:
        self.log.append(("set_window_size", width, height))

    def get(self, url: str) -> None:
        self.log.append(("get", url))

    def find_elements(self, by: str, value: str) -> list[FakeElement]:
        key = next(name for name, locator in LOCATORS.items() if locator == (by, value))
        counts = self.answers.get(key, [0])
        count = counts.pop(0) if len(counts) > 1 else counts[0]
        self.log.append(("find_elements", key))
        return [FakeElement(self.log) for _ in range(count)]

    def execute_script(self, script: str) -> int:
        self.log.append(("execute_script", script))
        return 3000

    def save_screenshot(self, name: str) -> bool:
        self.log.append(("save_screenshot", name))
        return True


LOCATORS = {"dashboard": canary.DASHBOARD, "allow": canary.ALLOW_WIDGETS, "busy": canary.BUSY}


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def __call__(self) -> float:
        return self.now


SHOT = "dashboard-snapshot.l4e-1a2b3c4d-pump-0f3e2a.png"


def run(browser: FakeBrowser, clock: FakeClock | None = None, budget: float = 240.0) -> str:
    clock = clock or FakeClock()
    return canary.snapshot_dashboard(
        browser, "https://signin/login", SHOT, clock() + budget, sleep=clock.sleep, clock=clock
    )


def test_the_calls_in_order() -> None:
    browser = FakeBrowser({"dashboard": [0, 1], "allow": [1], "busy": [2, 0, 0, 0]})

    assert run(browser) == SHOT

    assert browser.log == [
        ("set_window_size", 1600, 1200),
        ("get", "https://signin/login"),
        ("find_elements", "dashboard"),
        ("find_elements", "dashboard"),
        ("find_elements", "allow"),
        ("click",),
        ("find_elements", "busy"),
        ("find_elements", "busy"),
        ("find_elements", "busy"),
        ("find_elements", "busy"),
        ("execute_script", "return document.documentElement.scrollHeight"),
        ("set_window_size", 1600, 3000),
        ("save_screenshot", SHOT),
    ]


def test_no_allow_prompt_is_fine(caplog: pytest.LogCaptureFixture) -> None:
    browser = FakeBrowser({"dashboard": [1], "allow": [0], "busy": [0]})
    caplog.set_level("INFO")

    run(browser)

    assert ("click",) not in browser.log and "already allowed" in caplog.text
    assert browser.log[-1] == ("save_screenshot", SHOT)


def test_a_dashboard_that_never_appears_fails_without_a_screenshot() -> None:
    browser = FakeBrowser({"dashboard": [0]})

    with pytest.raises(TimeoutError, match="the dashboard did not appear"):
        run(browser)
    assert ("save_screenshot", SHOT) not in browser.log


def test_widgets_that_never_finish_fail_without_a_screenshot() -> None:
    browser = FakeBrowser({"dashboard": [1], "allow": [1], "busy": [1]})

    with pytest.raises(TimeoutError, match="still loading"):
        run(browser)
    assert ("save_screenshot", SHOT) not in browser.log


def test_signin_goes_through_the_federation_endpoint_to_the_dashboard() -> None:
    calls: list[str] = []

    def fetch(url: str) -> dict[str, str]:
        calls.append(url)
        return {"SigninToken": "token-1"}

    destination = canary.console_url("eu-west-1", "Lookout-for-Equipment-Model-pump")
    url = canary.signin_url(
        {"AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token"},
        destination,
        fetch,
    )

    assert calls[0].startswith("https://signin.aws.amazon.com/federation?Action=getSigninToken&Session=")
    query = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
    assert query["Action"] == ["login"] and query["SigninToken"] == ["token-1"]
    assert query["Destination"] == [
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards:name=Lookout-for-Equipment-Model-pump"
    ]
    assert canary.ALLOW_WIDGETS[0] == By.XPATH


@pytest.mark.parametrize("stuck", ["dashboard", "busy"])
def test_every_wait_ends_before_the_run_timeout_with_room_for_the_upload(stuck: str) -> None:
    """The canary's two waits share one deadline: a dashboard that never settles fails in time."""
    clock = FakeClock()
    browser = FakeBrowser({"dashboard": [0 if stuck == "dashboard" else 1], "allow": [0], "busy": [1]})
    run_timeout = float(CANARY_TIMEOUT_SECONDS)

    with pytest.raises(TimeoutError, match="deadline"):
        run(browser, clock, canary.wait_budget({"RUN_TIMEOUT_SECONDS": str(CANARY_TIMEOUT_SECONDS)}))

    assert clock.now <= run_timeout - canary.UPLOAD_MARGIN_S
    assert canary.UPLOAD_MARGIN_S >= 30


def test_the_budget_falls_back_when_the_environment_is_odd() -> None:
    assert canary.wait_budget({}) == canary.DEFAULT_RUN_TIMEOUT_S - canary.UPLOAD_MARGIN_S
    assert canary.wait_budget({"RUN_TIMEOUT_SECONDS": "soon"}) == canary.DEFAULT_RUN_TIMEOUT_S - canary.UPLOAD_MARGIN_S
    assert canary.wait_budget({"RUN_TIMEOUT_SECONDS": "10"}) == canary.POLL_S


def test_process_snapshot_finds_the_canary_in_the_file_name_the_canary_writes() -> None:
    name = "l4e-1a2b3c4d-0f3e2a1b"
    key = f"snapshots/any/folders/synthetics/adds-suffix-1a2b/2026/11/29/06/{canary.screenshot_file(name)}"

    assert canary_of_screenshot(key) == name
    assert canary_of_screenshot(f"snapshots/x/01-{canary.screenshot_file(name)}") == name
    assert canary_of_screenshot(f"snapshots/{name}/dashboard.png") is None
