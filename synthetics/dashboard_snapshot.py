"""The snapshot canary: sign in to the console with the canary role's credentials, open one
dashboard, let its custom widgets run, wait until they have drawn, and save a full-page screenshot.

Runs on CloudWatch Synthetics' Python Selenium runtime (Selenium 4). The dashboard comes from the
canary's environment (`DASHBOARD_NAME`, `DASHBOARD_REGION`), set by the widget that created it.
"""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from selenium.webdriver.common.by import By

logger = logging.getLogger(__name__)
FEDERATION = "https://signin.aws.amazon.com/federation"
WINDOW_WIDTH = 1600
WINDOW_HEIGHT = 1200
ALLOW_WIDGETS = (By.XPATH, "//button[normalize-space(.)='Allow always']")
DASHBOARD = (By.CSS_SELECTOR, "[data-testid='dashboard-grid'], .cwdb-dashboard-grid, #dashboards-grid")
BUSY = (By.CSS_SELECTOR, "[aria-busy='true'], .awsui-spinner, [class*='spinner']")
RENDER_TIMEOUT_S = 120
QUIET_POLLS = 3
POLL_S = 2.0


def console_url(region: str, dashboard: str) -> str:
    quoted = urllib.parse.quote(dashboard, safe="")
    return f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#dashboards:name={quoted}"


def signin_url(credentials: Mapping[str, str], destination: str, fetch_json: Callable[[str], Any]) -> str:
    """A console sign-in URL for temporary credentials, through the federation endpoint."""
    session = json.dumps(
        {
            "sessionId": credentials["AWS_ACCESS_KEY_ID"],
            "sessionKey": credentials["AWS_SECRET_ACCESS_KEY"],
            "sessionToken": credentials["AWS_SESSION_TOKEN"],
        }
    )
    token = fetch_json(f"{FEDERATION}?Action=getSigninToken&Session={urllib.parse.quote(session)}")["SigninToken"]
    query = urllib.parse.urlencode(
        {"Action": "login", "Issuer": "lookout-equipment-dashboards", "Destination": destination, "SigninToken": token}
    )
    return f"{FEDERATION}?{query}"


def fetch_json(url: str) -> Any:
    if not url.startswith(FEDERATION):
        raise ValueError("only the federation endpoint is called")
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - fixed https endpoint, checked above
        return json.loads(response.read())


def snapshot_dashboard(
    browser: Any,
    url: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> str:
    """Open the dashboard, allow its custom widgets, wait for them, save a full-page screenshot."""
    browser.set_window_size(WINDOW_WIDTH, WINDOW_HEIGHT)
    browser.get(url)
    _wait_for(browser, DASHBOARD, sleep, clock, "the dashboard")
    allow = browser.find_elements(*ALLOW_WIDGETS)
    if allow:
        allow[0].click()
    else:
        logger.info("no 'Allow always' prompt: custom widgets are already allowed")
    _wait_until_quiet(browser, sleep, clock)
    height = int(browser.execute_script("return document.documentElement.scrollHeight"))
    browser.set_window_size(WINDOW_WIDTH, max(WINDOW_HEIGHT, height))
    browser.save_screenshot("dashboard.png")
    return "dashboard.png"


def _wait_for(
    browser: Any, locator: tuple[str, str], sleep: Callable[[float], None], clock: Callable[[], float], what: str
) -> None:
    deadline = clock() + RENDER_TIMEOUT_S
    while not browser.find_elements(*locator):
        if clock() > deadline:
            raise TimeoutError(f"{what} did not appear within {RENDER_TIMEOUT_S} s")
        sleep(POLL_S)


def _wait_until_quiet(browser: Any, sleep: Callable[[float], None], clock: Callable[[], float]) -> None:
    """Until no spinner shows for a few polls in a row: every widget has drawn."""
    deadline = clock() + RENDER_TIMEOUT_S
    quiet = 0
    while quiet < QUIET_POLLS:
        if clock() > deadline:
            raise TimeoutError(f"widgets were still loading after {RENDER_TIMEOUT_S} s")
        quiet = quiet + 1 if not browser.find_elements(*BUSY) else 0
        sleep(POLL_S)


def handler(event: Any, context: Any) -> str:
    from aws_synthetics.selenium import synthetics_webdriver  # the runtime's own module

    region = os.environ.get("DASHBOARD_REGION") or os.environ["AWS_REGION"]
    destination = console_url(region, os.environ["DASHBOARD_NAME"])
    browser = synthetics_webdriver.Chrome()
    try:
        return snapshot_dashboard(browser, signin_url(os.environ, destination, fetch_json))
    finally:
        browser.quit()
