"""`invoke preview`: the CloudWatch dashboards console, stood in for on the demo account.

One process holds the demo accounts of both sources (moto, the Lookout for Equipment and the IoT
SiteWise fakes) and a small web server on 127.0.0.1. The SiteWise demo's functions are named
`sitewise-<widget>`: a call runs the widget with that source's settings. Its pages list the
dashboards in (moto's) CloudWatch and lay each one out from its own body; the page's script calls
`/api/call`, which runs the widget's real `lambda_handler` with the event CloudWatch would send,
and handles `<cwdb-action>` as the console does. Requests are served one at a time, as the fakes
are not made for concurrency.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from jinja2 import Environment, FileSystemLoader, select_autoescape

from .widget_events import LAMBDAS, load_handler, widget_event

SITE = Path(__file__).with_name("preview_site")
STATIC = {"preview.js": "text/javascript", "preview.css": "text/css"}
_FUNCTION = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]+)(?::[A-Za-z0-9_$-]+)?$")
#: How the demo names the SiteWise source's functions, and a deployed stack its functions (`l4e-<key>-<folder>`).
SITEWISE_DEMO_PREFIX = "sitewise-"
_DEPLOYED = re.compile(r"^l4e-[0-9a-f]{8}-")


@dataclass(frozen=True)
class Function:
    """A widget's code (its folder) and the environment it runs with."""

    folder: str
    environment: dict[str, str]


def demo_function(name: str) -> Function:
    """The demo's functions: `<widget>` on Lookout for Equipment, `sitewise-<widget>` on IoT SiteWise."""
    from lookout_dashboards.config import FUNCTION_VARIABLES, IOT_SITEWISE, LOOKOUT_FOR_EQUIPMENT

    if not name.startswith(SITEWISE_DEMO_PREFIX):
        return Function(name, {"DATA_SOURCE": LOOKOUT_FOR_EQUIPMENT})
    functions = {variable: SITEWISE_DEMO_PREFIX + widget for widget, variable in FUNCTION_VARIABLES.items()}
    return Function(name.removeprefix(SITEWISE_DEMO_PREFIX), {"DATA_SOURCE": IOT_SITEWISE, **functions})


def deployed_function(lambda_client: Any) -> Callable[[str], Function]:
    """A stack's function runs here with its deployed environment (so with the stack's source)."""
    known: dict[str, Function] = {}

    def function(name: str) -> Function:
        if name not in known:
            configuration = lambda_client.get_function_configuration(FunctionName=name)
            environment = configuration.get("Environment", {}).get("Variables", {})
            known[name] = Function(_DEPLOYED.sub("", name), dict(environment))
        return known[name]

    return function


MAX_BODY = 1_000_000
DEFAULT_RANGE = timedelta(hours=3)
logger = logging.getLogger(__name__)


@dataclass
class PreviewConsole:
    """What the pages need: the dashboards in CloudWatch, and a way to call a widget."""

    cloudwatch: Any
    account_id: str
    function_of: Callable[[str], Function]
    allow_actions: bool = True
    _environment: tuple[tuple[str, str], ...] = ()

    def dashboards(self) -> list[str]:
        from lookout_dashboards.aws import pages

        return sorted(entry["DashboardName"] for entry in pages(self.cloudwatch.list_dashboards, "DashboardEntries"))

    def dashboard_body(self, name: str) -> dict[str, Any]:
        return json.loads(self.cloudwatch.get_dashboard(DashboardName=name)["DashboardBody"])

    def call(self, request: dict[str, Any]) -> str:
        """Run the function behind `endpoint` with the event CloudWatch would send."""
        match = _FUNCTION.match(str(request.get("endpoint", "")))
        function = self.function_of(match.group(1)) if match else None
        if function is None or not (LAMBDAS / function.folder / "handler.py").exists():
            raise LookupError(f"No function behind endpoint {request.get('endpoint')!r}")
        self.use(function.environment)
        params = request.get("params") if isinstance(request.get("params"), dict) else {}
        if "action" in params and not self.allow_actions:
            raise PermissionError("This preview is read-only: start it with --allow-actions to run actions.")
        context = request.get("context") if isinstance(request.get("context"), dict) else {}
        event = widget_event(
            params,
            start=_moment(context.get("start"), DEFAULT_RANGE),
            end=_moment(context.get("end"), timedelta(0)),
            width=int(context.get("width", 600)),
            height=int(context.get("height", 400)),
            theme="dark" if context.get("theme") == "dark" else "light",
            forms=context.get("forms") if isinstance(context.get("forms"), dict) else {},
            timezone_offset=timedelta(minutes=int(context.get("timezoneOffsetMinutes", 0))),
            dashboard=str(context.get("dashboardName", "")),
            account_id=self.account_id,
            widget_id=str(context.get("widgetId", "")),
            title=str(context.get("title", "")),
            widget_params=context.get("params") if isinstance(context.get("params"), dict) else params,
        )
        return load_handler(function.folder).lambda_handler(event, None)

    def metric(self, request: dict[str, Any]) -> str:
        """A metric widget drawn from the metrics in CloudWatch (moto's, or the account's), as a chart."""
        properties = request.get("properties") if isinstance(request.get("properties"), dict) else {}
        context = request.get("context") if isinstance(request.get("context"), dict) else {}
        start, end = _moment(context.get("start"), DEFAULT_RANGE), _moment(context.get("end"), timedelta(0))
        return metric_chart(
            self.cloudwatch,
            properties,
            start,
            max(end, start + timedelta(minutes=1)),
            int(context.get("width", 600)),
            int(context.get("height", 300)),
            "dark" if context.get("theme") == "dark" else "light",
            timedelta(minutes=int(context.get("timezoneOffsetMinutes", 0))),
        )

    def use(self, environment: dict[str, str]) -> None:
        """Run the next call with `environment`; a change of settings starts a new container."""
        import os

        from lookout_dashboards.config import FUNCTION_VARIABLES
        from lookout_dashboards.container import reset_container

        wanted = tuple(sorted(environment.items()))
        if wanted == self._environment:
            return
        for variable in (*FUNCTION_VARIABLES.values(), "DATA_SOURCE", "DASHBOARD_PREFIX", "CANARY_PREFIX", "STACK_KEY"):
            os.environ.pop(variable, None)
        os.environ.update(environment)
        self._environment = wanted
        reset_container()


def metric_chart(
    cloudwatch: Any,
    properties: dict[str, Any],
    start: datetime,
    end: datetime,
    width: int,
    height: int,
    theme_name: str,
    offset: timedelta,
) -> str:
    """Each metric of a widget's `metrics` as a line, at its period or a multiple of it (at most ~1,400 points)."""
    import math

    from lookout_dashboards import charts
    from lookout_dashboards.domain import TimeRange
    from lookout_dashboards.html import page
    from lookout_dashboards.themes import theme_for

    expressions = [item[0]["expression"] for item in properties.get("metrics", []) if isinstance(item[0], dict)]
    if expressions:  # moto runs no Metrics Insights query: the widget says what CloudWatch would draw
        from lookout_dashboards.html import message

        return message(
            "CloudWatch draws this Metrics Insights query; the preview's moto cannot run it.", "empty", expressions[0]
        )
    base = max(60, int(properties.get("period", 300)))
    period = base * max(1, math.ceil((end - start).total_seconds() / 1400 / base))  # multiples of the widget's period
    queries = []
    for index, metric in enumerate(properties.get("metrics", [])):
        namespace, name, *pairs = metric
        dimensions = [{"Name": pairs[i], "Value": pairs[i + 1]} for i in range(0, len(pairs) - 1, 2)]
        stat = {"Metric": {"Namespace": namespace, "MetricName": name, "Dimensions": dimensions}}
        queries.append(
            {
                "Id": f"m{index}",
                "Label": name,
                "MetricStat": {**stat, "Period": period, "Stat": properties.get("stat", "Average")},
            }
        )
    results = (
        cloudwatch.get_metric_data(MetricDataQueries=queries, StartTime=start, EndTime=end)["MetricDataResults"]
        if queries
        else []
    )
    theme = theme_for(theme_name)
    with charts.chart(
        width, max(120, height - 10), theme, charts.Margins(left=48, right=16, top=10, bottom=24)
    ) as figure:
        axes = figure.add_subplot()
        charts.style_axes(axes, theme)
        for index, result in enumerate(results):
            points = sorted(zip(result["Timestamps"], result["Values"], strict=True))
            times = charts.day_numbers([moment.timestamp() for moment, _ in points], offset)
            axes.plot(
                times,
                [value for _, value in points],
                color=theme.series[index % len(theme.series)],
                linewidth=0.9,
                gid=f"metric-{index}",
            )
        y_axis = properties.get("yAxis", {}).get("left", {})
        if "min" in y_axis and "max" in y_axis:
            axes.set_ylim(y_axis["min"], y_axis["max"] * 1.05)
        charts.time_axis(axes, TimeRange(start, end), offset, charts.plot_width(figure))
        svg = charts.to_svg(figure)
    count = sum(len(result["Values"]) for result in results)
    return page(
        svg, footnote=f"{count:,} points at {period // 60} min, from CloudWatch ({properties.get('stat', 'Average')})."
    )


def _moment(epoch_ms: Any, ago: timedelta) -> datetime:
    """The time the page sent, in epoch milliseconds; without one, `ago` before now (as the console's default)."""
    if epoch_ms is None:
        return datetime.now(UTC) - ago
    return datetime.fromtimestamp(int(epoch_ms) / 1000, tz=UTC)


def page_renderer() -> Callable[..., str]:
    environment = Environment(loader=FileSystemLoader(SITE), autoescape=select_autoescape(default=True))
    return lambda template, **context: environment.get_template(template).render(**context)


def make_handler(console: PreviewConsole) -> type[BaseHTTPRequestHandler]:
    render_page = page_renderer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urlparse(self.path).path
            if path == "/":
                self._send(HTTPStatus.OK, render_page("list.html", dashboards=console.dashboards()), "text/html")
            elif path.startswith("/dashboards/"):
                name = unquote(path.removeprefix("/dashboards/"))
                try:
                    body = console.dashboard_body(name)
                except Exception:
                    self._send(HTTPStatus.NOT_FOUND, render_page("missing.html", name=name), "text/html")
                    return
                self._send(HTTPStatus.OK, render_page("dashboard.html", name=name, body=body), "text/html")
            elif path.startswith("/static/") and path.removeprefix("/static/") in STATIC:
                asset = path.removeprefix("/static/")
                self._send(HTTPStatus.OK, (SITE / asset).read_text(), STATIC[asset])
            else:
                self._send(HTTPStatus.NOT_FOUND, "Not found", "text/plain")

        def do_POST(self) -> None:
            path = urlparse(self.path).path
            if path not in ("/api/call", "/api/metric"):
                self._send(HTTPStatus.NOT_FOUND, "Not found", "text/plain")
                return
            length = int(self.headers.get("Content-Length", "0"))
            if not 0 < length <= MAX_BODY:
                self._send(HTTPStatus.BAD_REQUEST, "A JSON body is expected.", "text/plain")
                return
            try:
                request = json.loads(self.rfile.read(length))
                html = console.call(request) if path == "/api/call" else console.metric(request)
            except (LookupError, PermissionError, ValueError, TypeError) as error:
                self._send(HTTPStatus.BAD_REQUEST, str(error), "text/plain")
                return
            except Exception as error:
                logger.exception("widget call failed")
                self._send(HTTPStatus.INTERNAL_SERVER_ERROR, f"{type(error).__name__}: {error}", "text/plain")
                return
            self._send(HTTPStatus.OK, html, "text/html")

        def _send(self, status: HTTPStatus, text: str, content_type: str) -> None:
            payload = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug(format, *args)

    return Handler


@contextmanager
def demo_console(now: datetime | None = None) -> Iterator[PreviewConsole]:
    """Both demo accounts, each with the two list dashboards a deployed stack of its source would have."""
    from lookout_dashboards.aws import make_client
    from lookout_dashboards.config import DASHBOARD_PREFIXES, DEMO_ACCOUNT_ID, IOT_SITEWISE, load_settings
    from lookout_dashboards.dashboards import LIST_DASHBOARDS, list_dashboard_body, list_dashboard_name
    from lookout_dashboards.widget import function_endpoint

    from .demo import default_now
    from .demo_sitewise import both_demo_accounts

    now = now or default_now()
    with ExitStack() as stack:
        stack.enter_context(both_demo_accounts(now))
        settings = load_settings()
        cloudwatch = make_client("cloudwatch", settings)
        for data_source, prefix in DASHBOARD_PREFIXES.items():
            function_prefix = SITEWISE_DEMO_PREFIX if data_source == IOT_SITEWISE else ""
            for kind in LIST_DASHBOARDS:
                body = list_dashboard_body(
                    kind,
                    lambda widget, start=function_prefix: function_endpoint(
                        start + widget, settings.region, DEMO_ACCOUNT_ID
                    ),
                    data_source,
                )
                cloudwatch.put_dashboard(
                    DashboardName=list_dashboard_name(prefix, kind, "demo"), DashboardBody=json.dumps(body)
                )
        console = PreviewConsole(cloudwatch, DEMO_ACCOUNT_ID, demo_function)
        publish_demo_metrics(console, now)
        yield console


def publish_demo_metrics(console: PreviewConsole, now: datetime, days: int = 2) -> None:
    """What the stack's `publish-metrics` would have sent over the last `days`, for both sources'
    running schedulers, so the scheduler dashboards' metric widgets have data."""
    from lookout_dashboards.container import current_container
    from lookout_dashboards.metrics_publisher import MetricsPublisher
    from lookout_dashboards.watermarks import WatermarkStore

    publish_schedulers = load_handler("publish-metrics").publish_schedulers
    for function in ("list-schedulers", SITEWISE_DEMO_PREFIX + "list-schedulers"):
        console.use(demo_function(function).environment)
        container = current_container()
        store = WatermarkStore(container.client("s3"), container.settings.snapshot_bucket)
        publisher = MetricsPublisher(
            container.client("cloudwatch"),
            store,
            container.source.results_between,
            backlog=timedelta(days=days),
            result_lag=container.source.result_lag,
        )
        publish_schedulers(container.source, publisher, container.settings.stack_key, now, lambda: float("inf"))


@contextmanager
def aws_console(allow_actions: bool) -> Iterator[PreviewConsole]:
    """A real account through the caller's credentials; read-only unless actions are allowed."""
    import boto3

    from lookout_dashboards.aws import make_client

    account_id = boto3.client("sts").get_caller_identity()["Account"]
    function_of = deployed_function(make_client("lambda"))
    yield PreviewConsole(make_client("cloudwatch"), account_id, function_of, allow_actions=allow_actions)


def serve(console: PreviewConsole, port: int, ready: Callable[[str], None] = print) -> HTTPServer:
    server = HTTPServer(("127.0.0.1", port), make_handler(console))
    ready(f"Dashboards on http://127.0.0.1:{server.server_port}/ (Ctrl+C stops)")
    return server


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium_page(width: int = 1400, height: int = 900, *, accept_dialogs: bool = True) -> Iterator[Any]:
    """A page in Debian's headless Chromium, driven by Playwright (which downloads no browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            if accept_dialogs:
                page.on("dialog", lambda dialog: dialog.accept())
            yield page
        finally:
            browser.close()


def wait_for_widgets(page: Any) -> None:
    page.wait_for_selector("body[data-ready='true']", timeout=60_000)


#: Per list dashboard of the demo, the row whose dashboard the screenshots create.
#: The rows whose Create the screenshots click: (list dashboard, the fleet whose Assets show the row, or
#: None, the row), so each source has a model and a scheduler dashboard and SiteWise a fleet dashboard.
SCREENSHOT_ROWS = (
    ("IoT-SiteWise-Anomalies-Models-demo", "Pump fleet anomalies", "Pump fleet anomalies on Pump 1"),
    ("IoT-SiteWise-Anomalies-Schedulers-demo", "Pump fleet anomalies", "Pump fleet anomalies on Pump 1"),
    ("IoT-SiteWise-Anomalies-Schedulers-demo", None, "Fleet pump anomalies"),
    ("Lookout-for-Equipment-Models-demo", None, "pump-station-labeled"),
    ("Lookout-for-Equipment-Schedulers-demo", None, "pump-station-live"),
)


def take_screenshots(base_url: str, folder: Path) -> list[Path]:
    """Create dashboards of each source as a user would (see `SCREENSHOT_ROWS`), then save a PNG of every one."""
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    with chromium_page() as page:
        for dashboard, fleet, resource in SCREENSHOT_ROWS:
            page.goto(f"{base_url.rstrip('/')}/dashboards/{dashboard}")
            wait_for_widgets(page)
            if fleet is not None:
                page.locator("tr", has_text=fleet).first.locator("a.btn", has_text="Assets").click()
                wait_for_widgets(page)
            create = page.locator("tr", has_text=resource).first.locator("a.btn", has_text="Create")
            if create.get_attribute("disabled") is None:
                create.click()
                wait_for_widgets(page)
        page.goto(base_url)
        for link in [link.get_attribute("href") for link in page.locator("table.dashboards a").all()]:
            page.goto(base_url.rstrip("/") + link)
            wait_for_widgets(page)
            path = folder / f"{unquote(link.rsplit('/', 1)[-1])}.png"
            page.screenshot(path=str(path), full_page=True)
            saved.append(path)
    return saved
