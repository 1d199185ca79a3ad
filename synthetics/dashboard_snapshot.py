"""The snapshot canary: sign in to the console with the canary role's credentials, open one
dashboard, let its custom widgets run, wait until they have drawn, and save a full-page screenshot.

Runs on CloudWatch Synthetics' Python Selenium runtime (Selenium 4). The dashboard, the canary's
own name and its run timeout come from the canary's environment (`DASHBOARD_NAME`,
`DASHBOARD_REGION`, `CANARY_NAME`, `RUN_TIMEOUT_SECONDS`), set by the widget that created it. Every
wait shares one deadline that leaves a margin for the upload before the run timeout, and the
screenshot's file name carries the canary's name for `process-snapshot` to find.
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
QUIET_POLLS = 3
POLL_S = 2.0
#: Run timeout assumed when the environment does not give one (the creator always does).
DEFAULT_RUN_TIMEOUT_S = 300
#: Kept free at the end of the run for the full-page screenshot and Synthetics' upload.
UPLOAD_MARGIN_S = 60
SCREENSHOT_STEM = "dashboard-snapshot"


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


def screenshot_file(canary: str) -> str:
    """`dashboard-snapshot.<canary>.png`: a canary name holds no dot, so the name is easy to find."""
    return f"{SCREENSHOT_STEM}.{canary}.png"


def wait_budget(environ: Mapping[str, str]) -> float:
    """Seconds the waits may take: the run timeout less the upload margin."""
    try:
        run_timeout = float(environ.get("RUN_TIMEOUT_SECONDS", DEFAULT_RUN_TIMEOUT_S))
    except ValueError:
        run_timeout = DEFAULT_RUN_TIMEOUT_S
    return max(POLL_S, run_timeout - UPLOAD_MARGIN_S)


def snapshot_dashboard(
    browser: Any,
    url: str,
    screenshot: str,
    deadline: float,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> str:
    """Open the dashboard, allow its custom widgets, wait for them, save a full-page screenshot;
    every wait ends by `deadline` (a `clock()` value)."""
    browser.set_window_size(WINDOW_WIDTH, WINDOW_HEIGHT)
    browser.get(url)
    _wait_for(browser, DASHBOARD, deadline, sleep, clock, "the dashboard did not appear")
    allow = browser.find_elements(*ALLOW_WIDGETS)
    if allow:
        allow[0].click()
    else:
        logger.info("no 'Allow always' prompt: custom widgets are already allowed")
    _wait_until_quiet(browser, deadline, sleep, clock)
    height = int(browser.execute_script("return document.documentElement.scrollHeight"))
    browser.set_window_size(WINDOW_WIDTH, max(WINDOW_HEIGHT, height))
    browser.save_screenshot(screenshot)
    return screenshot


def _wait_for(
    browser: Any,
    locator: tuple[str, str],
    deadline: float,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    failure: str,
) -> None:
    while not browser.find_elements(*locator):
        if clock() + POLL_S > deadline:
            raise TimeoutError(f"{failure} before the canary's deadline")
        sleep(POLL_S)


def _wait_until_quiet(
    browser: Any, deadline: float, sleep: Callable[[float], None], clock: Callable[[], float]
) -> None:
    """Until no spinner shows for a few polls in a row: every widget has drawn."""
    quiet = 0
    while quiet < QUIET_POLLS:
        if clock() + POLL_S > deadline:
            raise TimeoutError("widgets were still loading at the canary's deadline")
        quiet = quiet + 1 if not browser.find_elements(*BUSY) else 0
        sleep(POLL_S)


def handler(event: Any, context: Any) -> str:
    from aws_synthetics.selenium import synthetics_webdriver  # the runtime's own module

    deadline = time.monotonic() + wait_budget(os.environ)
    region = os.environ.get("DASHBOARD_REGION") or os.environ["AWS_REGION"]
    destination = console_url(region, os.environ["DASHBOARD_NAME"])
    browser = synthetics_webdriver.Chrome()
    try:
        url = signin_url(os.environ, destination, fetch_json)
        return snapshot_dashboard(browser, url, screenshot_file(os.environ["CANARY_NAME"]), deadline)
    finally:
        browser.quit()
