"""`invoke bench`: render time, memory and response size of every widget on the large demo account.

How each figure is taken, so that "cold" means what Lambda means by it:
- *import*: a clean Python process imports the handler module (best of five runs); the list
  widgets' ≤ 150 ms target is this figure. *with boto3* adds the boto3 import that the first
  client creation pays.
- *first render*: the median over three processes, each forked from the one holding the demo
  account (so no widget module, matplotlib or cached extract is loaded in it, and `gc.freeze()`
  keeps the account's millions of objects out of its garbage collections), rendering once with an
  empty `/tmp` cache. For `model-anomalies` the stack's bucket already holds the sensor extract,
  as after any earlier render; the row "no cache anywhere" is the very first render, which parses
  the CSV files.
- *cold total* = import with boto3 + first render: a fresh container's first response.
- *warm*: the median of five more renders in each forked process (median of the three).
- *peak memory*: tracemalloc's peak over one warm render (Python and numpy allocations).
- *L4E calls*, *S3 reads*: Lookout for Equipment calls and S3 `GetObject` calls of the first render.
  Scheduler widgets run on `pump-station-archive` (20,000 executions) except `scheduler-anomalies`,
  on `pump-station-live` (a run every five minutes) over the last day.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LAYER = ROOT / "layers" / "lookout-equipment" / "python"
WARM_RUNS = 5
FRESH_CONTAINERS = 3
IMPORT_RUNS = 5
MODEL_WIDGETS = (
    "model-details",
    "model-anomalies",
    "model-signal-importance",
    "model-importance-evolution",
    "model-importance-legend",
)
SCHEDULER_WIDGETS = ("scheduler-details", "scheduler-last-diagnostics", "scheduler-anomalies")
ALL_WIDGETS = ("list-models", *MODEL_WIDGETS, "list-schedulers", *SCHEDULER_WIDGETS)
#: Which scheduler of the large account each scheduler widget is measured on.
SCHEDULER_OF = {
    "scheduler-details": "long_history",
    "scheduler-last-diagnostics": "long_history",
    "scheduler-anomalies": "live",
}
TARGETS = {
    ("model-anomalies", "warm_s"): 0.3,
    ("model-anomalies", "cold_total_s"): 1.0,
    ("model-anomalies", "response_bytes"): 150 * 1024,
    ("list-models", "import_s"): 0.150,
    ("list-schedulers", "import_s"): 0.150,
    ("scheduler-last-diagnostics", "lookout_calls"): 3,
    ("scheduler-last-diagnostics", "s3_reads"): 2,
}


@dataclass(frozen=True)
class Measure:
    widget: str
    case: str
    import_s: float | None
    import_with_boto3_s: float | None
    first_s: float
    warm_s: float
    peak_bytes: int
    response_bytes: int
    lookout_calls: int
    s3_reads: int

    @property
    def cold_total_s(self) -> float | None:
        return None if self.import_with_boto3_s is None else self.import_with_boto3_s + self.first_s


def import_seconds(widget: str, with_boto3: bool) -> float:
    """Best of several clean processes importing the handler (and boto3, as the first client does)."""
    script = (
        "import sys, time\n"
        f"sys.path[:0] = [{str(LAYER)!r}, {str(ROOT)!r}]\n"
        "from local.widget_events import load_handler\n"
        "start = time.perf_counter()\n"
        f"load_handler({widget!r})\n"
        + ("import boto3\n" if with_boto3 else "")
        + "print(time.perf_counter() - start)\n"
    )
    runs = [
        float(
            subprocess.run(  # noqa: S603 - this interpreter running the script above
                [sys.executable, "-c", script], check=True, capture_output=True, text=True
            ).stdout
        )
        for _ in range(IMPORT_RUNS)
    ]
    return min(runs)


def in_fork(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run `work` in a forked child (a fresh container's memory, the parent's demo account) and return its result."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child process
        os.close(read_end)
        gc.freeze()  # the demo account's objects are not the container's: keep them out of its collections
        try:
            result = work()
        except BaseException as error:
            result = {"error": repr(error)}
        with os.fdopen(write_end, "w") as pipe:
            pipe.write(json.dumps(result))
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        payload = pipe.read()
    os.waitpid(pid, 0)
    result = json.loads(payload)
    if "error" in result:
        raise RuntimeError(f"benchmark child failed: {result['error']}")
    return result


def render_in_fork(widget: str, event: Mapping[str, Any], fake: Any) -> dict[str, Any]:
    def work() -> dict[str, Any]:
        os.environ["CACHE_DIR"] = tempfile.mkdtemp(prefix="l4e-bench-")
        import boto3

        from local.widget_events import load_handler

        handler = load_handler(widget)  # its import is measured in a clean process instead
        reads: list[int] = []
        boto3._get_default_session().events.register("before-call.s3.GetObject", lambda **_: reads.append(1))
        calls = len(fake.calls)
        start = time.perf_counter()
        first = handler.lambda_handler(event, None)
        first_s = time.perf_counter() - start
        first_calls, first_reads = len(fake.calls) - calls, len(reads)
        warm = []
        for _ in range(WARM_RUNS):
            start = time.perf_counter()
            handler.lambda_handler(event, None)
            warm.append(time.perf_counter() - start)
        tracemalloc.start()
        handler.lambda_handler(event, None)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        if "l4e-message l4e-error" in first:
            raise RuntimeError(f"{widget} rendered an error: {first[:2000]}")
        return {
            "first_s": first_s,
            "warm_s": statistics.median(warm),
            "peak_bytes": peak,
            "response_bytes": len(first.encode()),
            "lookout_calls": first_calls,
            "s3_reads": first_reads,
        }

    runs = [in_fork(work) for _ in range(FRESH_CONTAINERS)]
    return {
        "first_s": statistics.median(run["first_s"] for run in runs),
        "warm_s": statistics.median(run["warm_s"] for run in runs),
        "peak_bytes": max(run["peak_bytes"] for run in runs),
        "response_bytes": runs[0]["response_bytes"],
        "lookout_calls": runs[0]["lookout_calls"],
        "s3_reads": runs[0]["s3_reads"],
    }


def run_bench(size_name: str = "large", output: Path | None = None, widgets: tuple[str, ...] = ()) -> list[Measure]:
    sys.path[:0] = [str(LAYER), str(ROOT)]
    from local.demo import SIZES, demo_account
    from local.widget_events import widget_event

    chosen = widgets or ALL_WIDGETS
    imports = {widget: (import_seconds(widget, False), import_seconds(widget, True)) for widget in chosen}
    measures: list[Measure] = []
    started = time.perf_counter()
    with demo_account(SIZES[size_name]) as account:
        built_s = time.perf_counter() - started
        model = account.models["labeled"]
        now = account.now
        events = {
            "list-models": widget_event({}, start=now - timedelta(days=90), end=now, width=1200, height=900),
            **{
                widget: widget_event({"model": model}, start=now - timedelta(days=200), end=now, width=1200, height=400)
                for widget in MODEL_WIDGETS
            },
            "list-schedulers": widget_event({}, start=now - timedelta(days=1), end=now, width=1200, height=500),
            **{
                widget: widget_event(
                    {"scheduler": account.schedulers.get(SCHEDULER_OF[widget], account.schedulers["live"])},
                    start=now - timedelta(days=1),
                    end=now,
                    width=1200,
                    height=500,
                )
                for widget in SCHEDULER_WIDGETS
            },
        }
        for widget in chosen:
            if widget == "model-anomalies":
                result = render_in_fork(widget, events[widget], account.fake)
                measures.append(_measure(widget, "no cache anywhere (parses the CSV files)", None, result))
                _fill_bucket_cache(account, model)
            result = render_in_fork(widget, events[widget], account.fake)
            measures.append(_measure(widget, "", imports[widget], result))
        if "model-anomalies" in chosen:
            tenfold = _tenfold_response(account, model, events["model-anomalies"])
    report = _report(measures, size_name, built_s, tenfold if "model-anomalies" in chosen else None, account)
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(report)
    print(report)
    return measures


def _measure(widget: str, case: str, imports: tuple[float, float] | None, result: Mapping[str, Any]) -> Measure:
    return Measure(
        widget=widget,
        case=case,
        import_s=imports[0] if imports else None,
        import_with_boto3_s=imports[1] if imports else None,
        **result,
    )


def _fill_bucket_cache(account: Any, model_name: str) -> None:
    """What any earlier render leaves in the stack's bucket: the component's sensor extracts."""
    from lookout_dashboards.importance import average_importance
    from lookout_dashboards.sources import default_source

    with tempfile.TemporaryDirectory() as directory:
        os.environ["CACHE_DIR"] = directory
        source = default_source()
        model = source.get_model(model_name)
        top = average_importance(model.evaluation.events)[0]
        component, _, sensor = top.label.rpartition("\\")
        source.read_sensor_history(model.dataset_name, component, sensor)
        del os.environ["CACHE_DIR"]


def _tenfold_response(account: Any, model_name: str, event: Mapping[str, Any]) -> dict[str, Any]:
    """Render the anomalies of a model whose evaluation and sensor history are ten times longer."""

    def work() -> dict[str, Any]:
        import numpy as np

        from local.widget_events import load_handler, widget_event
        from lookout_dashboards.config import load_settings
        from lookout_dashboards.domain import ModelEvaluation, TimeRange
        from lookout_dashboards.events import parse_widget_event
        from lookout_dashboards.sources import default_source

        os.environ["CACHE_DIR"] = tempfile.mkdtemp(prefix="l4e-bench-")
        source = default_source(load_settings())
        model = source.get_model(model_name)
        evaluation = model.evaluation_range
        span = evaluation.duration
        copies = [span * -number for number in range(10)]
        longer = replace(
            model,
            evaluation_range=TimeRange(evaluation.start + copies[-1], evaluation.end),
            evaluation=ModelEvaluation(
                events=tuple(
                    replace(e, start=e.start + shift, end=e.end + shift)
                    for shift in reversed(copies)
                    for e in model.evaluation.events
                ),
                labeled_ranges=model.evaluation.labeled_ranges,
                metrics=model.evaluation.metrics,
            ),
        )
        top = longer.evaluation.events[0].diagnostics
        component = max(top, key=lambda item: item.importance)
        history = source.read_sensor_history(model.dataset_name, component.component, component.sensor)
        inside = (history.epoch_seconds >= evaluation.start.timestamp()) & (
            history.epoch_seconds <= evaluation.end.timestamp()
        )
        seconds = span.total_seconds()
        epoch = np.concatenate([history.epoch_seconds[inside] - seconds * n for n in range(9, -1, -1)])
        values = np.tile(history.values[inside], 10)
        long_history = replace(history, epoch_seconds=epoch, values=values)

        class TenfoldSource:
            def __getattr__(self, name: str) -> Any:
                return getattr(source, name)

            def get_model(self, name: str) -> Any:
                return longer

            def read_sensor_history(self, *_: Any) -> Any:
                return long_history

        wide = widget_event(
            {"model": model_name},
            start=evaluation.start + copies[-1],
            end=evaluation.end,
            width=event["widgetContext"]["width"],
            height=event["widgetContext"]["height"],
        )
        handler = load_handler("model-anomalies")
        html = handler.render_model_anomalies(parse_widget_event(wide), TenfoldSource(), "arn:bench")
        normal = handler.render_model_anomalies(parse_widget_event(event), source, "arn:bench")
        return {
            "points": int(epoch.size),
            "events": len(longer.evaluation.events),
            "days": (longer.evaluation_range.duration.days),
            "tenfold_bytes": len(html.encode()),
            "normal_bytes": len(normal.encode()),
            "normal_points": int(inside.sum()),
        }

    return in_fork(work)


def _figure(name: str, value: float) -> str:
    if name.endswith("_bytes"):
        return f"{value / 1024:,.0f} KB"
    return _seconds(value) if name.endswith("_s") else f"{value:,.0f}"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:,.0f} ms"


def _report(
    measures: list[Measure], size_name: str, built_s: float, tenfold: Mapping[str, Any] | None, account: Any
) -> str:
    lines = [
        "# Benchmark",
        "",
        f"`invoke bench --size {size_name}` on {datetime.now():%Y-%m-%d}, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs (this machine, not Lambda arm64). Demo account built in {built_s:.0f} s: "
        f"{sum(len(v) for v in account.sensors.values())} sensors, {account.size.sample_minutes}-minute samples over "
        f"{account.size.history_days} days, {len(account.fake.models)} models.",
        "",
        "| widget | case | import | import + boto3 | first render (empty /tmp) | cold total | warm (median) "
        "| peak memory | response | L4E calls | S3 reads |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in measures:
        lines.append(
            f"| {m.widget} | {m.case or 'fresh container'} | {_seconds(m.import_s)} | "
            f"{_seconds(m.import_with_boto3_s)} | {_seconds(m.first_s)} | {_seconds(m.cold_total_s)} | "
            f"{_seconds(m.warm_s)} | {m.peak_bytes / 2**20:,.1f} MiB | {m.response_bytes / 1024:,.1f} KB | "
            f"{m.lookout_calls} | {m.s3_reads} |"
        )
    if tenfold:
        lines += [
            "",
            f"Ten-times-larger history: `model-anomalies` over {tenfold['days']} days, "
            f"{tenfold['points']:,} values and {tenfold['events']:,} events answers "
            f"{tenfold['tenfold_bytes'] / 1024:,.1f} KB, against {tenfold['normal_bytes'] / 1024:,.1f} KB for "
            f"{tenfold['normal_points']:,} values: the size follows the widget's pixels, not the data.",
        ]
    lines += ["", "## Targets", ""]
    by_widget = {m.widget: m for m in measures if not m.case}
    for (widget, figure), limit in TARGETS.items():
        if widget not in by_widget:
            continue
        value = getattr(by_widget[widget], figure)
        shown, limit_shown = _figure(figure, value), _figure(figure, limit)
        verdict = "met" if value is not None and value <= limit else "NOT met"
        name = figure.removesuffix("_s").removesuffix("_bytes")
        lines.append(f"- `{widget}` {name}: {shown} (target ≤ {limit_shown}): {verdict}")
    if tenfold:
        same = abs(tenfold["tenfold_bytes"] - tenfold["normal_bytes"]) <= 0.1 * tenfold["normal_bytes"]
        verdict = "met" if same else "NOT met"
        lines.append(f"- `model-anomalies` response on a ten-times-larger history within 10 % of the usual: {verdict}")
    lines += ["", __doc__.split("\n", 2)[2].strip(), ""]
    return "\n".join(lines)
