"""Measuring a render: forked new containers, the CPU the services spend, bucket traffic, and the figures."""

from __future__ import annotations

import builtins
import gc
import importlib.util
import json
import os
import pickle
import resource
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from tools.bench.layers import ROOT, clean_import
from tools.bench.verdicts import projected_cold_start
from tools.cloudformation import FunctionSettings

WARM_RUNS = 5
FRESH_CONTAINERS = 3
THREADS_DEADLINE_S = 30.0


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def imports_already_loaded(preloaded: set[str], shipped: set[str]) -> Iterator[set[str]]:
    """Modules that code of the `shipped` packages imports while the block runs and that were in
    `preloaded`: a forked process has them from its parent, a new container pays for them."""
    found: set[str] = set()
    original = builtins.__import__

    def recording(
        name: str,
        globals: Mapping[str, Any] | None = None,
        locals: Mapping[str, Any] | None = None,
        fromlist: Sequence[str] | None = (),
        level: int = 0,
    ) -> Any:
        namespace = globals or {}
        if str(namespace.get("__name__", "")).partition(".")[0] in shipped:
            base = (
                importlib.util.resolve_name("." * level + name, namespace.get("__package__") or "") if level else name
            )
            found.update(
                module for module in (base, *(f"{base}.{item}" for item in fromlist or ())) if module in preloaded
            )
        return original(name, globals, locals, fromlist or (), level)

    builtins.__import__ = recording
    try:
        yield found
    finally:
        builtins.__import__ = original


class BucketTraffic:
    """S3 calls, `GetObject` calls among them, and bytes put into buckets by the clients of one boto3 session."""

    def __init__(self, events: Any) -> None:
        self.calls = 0
        self.reads = 0
        self.written = 0
        events.register("before-call.s3", self._call)
        events.register("before-call.s3.GetObject", self._read)
        for operation in ("PutObject", "UploadPart"):
            events.register(f"before-call.s3.{operation}", self._write)

    def _call(self, **_: Any) -> None:
        self.calls += 1

    def _read(self, **_: Any) -> None:
        self.reads += 1

    def _write(self, params: Mapping[str, Any], **_: Any) -> None:
        body = params.get("body", b"")
        if isinstance(body, str):
            body = body.encode()
        if isinstance(body, bytes | bytearray):
            self.written += len(body)
        else:
            position = body.tell()
            self.written += body.seek(0, os.SEEK_END) - position
            body.seek(position)


def thread_cpu_seconds() -> float:
    """The calling thread's CPU seconds: a service answering in one of a render's threads is timed alone."""
    return time.thread_time()


class OperationCalls:
    """The calls the clients of one boto3 session make to `service`, by operation, in order."""

    def __init__(self, events: Any, service: str) -> None:
        self.made: list[str] = []
        events.register(f"before-call.{service}", self._call)

    def _call(self, model: Any, **_: Any) -> None:
        self.made.append(model.name)


class ServiceTime:
    """CPU seconds that moto and the fakes spend answering requests, which AWS spends in Lambda's stead.

    Wraps every `before-send` hook in botocore's built-in handlers (where moto and our fakes answer),
    so the sessions made inside the block are timed.
    """

    def __init__(self) -> None:
        self.cpu_s = 0.0
        self._untimed: list[tuple[Any, ...]] = []

    def __enter__(self) -> ServiceTime:
        from botocore.handlers import BUILTIN_HANDLERS

        self._untimed = list(BUILTIN_HANDLERS)
        BUILTIN_HANDLERS[:] = [
            (entry[0], self._timed(entry[1]), *entry[2:]) if entry[0].startswith("before-send") else entry
            for entry in BUILTIN_HANDLERS
        ]
        return self

    def __exit__(self, *_: object) -> None:
        from botocore.handlers import BUILTIN_HANDLERS

        BUILTIN_HANDLERS[:] = self._untimed

    def _timed(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        def timed(**kwargs: Any) -> Any:
            start = thread_cpu_seconds()  # the process's CPU would count the other threads' work as the service's
            try:
                return handler(**kwargs)
            finally:
                self.cpu_s += thread_cpu_seconds() - start

        return timed

    def excluded(self, since_cpu_s: float, since_service_s: float) -> float:
        """This process's CPU seconds since `since_cpu_s`, less what the services spent since `since_service_s`."""
        return cpu_seconds() - since_cpu_s - (self.cpu_s - since_service_s)


def bucket_objects(s3: Any, bucket: str) -> dict[str, str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {item["Key"]: item["ETag"] for page in pages for item in page.get("Contents", [])}


def wait_for_threads(deadline_s: float = THREADS_DEADLINE_S) -> None:
    """Let the threads a render started (a background upload) finish, within a deadline."""
    deadline = time.monotonic() + deadline_s
    for thread in threading.enumerate():
        if thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))


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


def render_in_fork(
    widget: str,
    event: Mapping[str, Any],
    fake: Any,
    shipped: set[str],
    written_to: Path,
    beside: Callable[[ServiceTime], dict[str, Any]] | None = None,
    later_s: float = 0.0,
) -> dict[str, Any]:
    """A new container's first render and warm renders, `later_s` after it (caches' clock moved on); what it
    wrote to the stack's bucket goes to `written_to`."""

    def work() -> dict[str, Any]:
        with ServiceTime() as services:
            return measure(services)

    def measure(services: ServiceTime) -> dict[str, Any]:
        os.environ["CACHE_DIR"] = tempfile.mkdtemp(prefix="l4e-bench-")
        import boto3

        from local.widget_events import load_handler
        from lookout_dashboards.config import load_settings

        preloaded = set(sys.modules)
        boto3.DEFAULT_SESSION = None  # a new container reads the service models again
        traffic = BucketTraffic(boto3._get_default_session().events)
        metrics = OperationCalls(boto3._get_default_session().events, "cloudwatch")
        handler = load_handler(widget)  # its import is measured in a clean process instead
        s3, bucket = boto3.session.Session().client("s3"), load_settings().snapshot_bucket
        before = bucket_objects(s3, bucket)
        calls = len(fake.calls)
        with imports_already_loaded(preloaded, shipped | {handler.__name__}) as later:
            start, start_cpu, start_service = time.perf_counter(), cpu_seconds(), services.cpu_s
            first = handler.lambda_handler(event, None)
            first_s = time.perf_counter() - start
            wait_for_threads()
            first_cpu_s = services.excluded(start_cpu, start_service)
        first_calls, first_reads, written = fake.calls[calls:], traffic.reads, traffic.written
        first_s3_calls, first_metric_calls = traffic.calls, list(metrics.made)
        if "l4e-message l4e-error" in first:
            raise RuntimeError(f"{widget} rendered an error: {first[:2000]}")
        changed = {key for key, etag in bucket_objects(s3, bucket).items() if before.get(key) != etag}
        written_to.write_bytes(
            pickle.dumps({key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in sorted(changed)})
        )
        extra = beside(services) if beside else {}
        if later_s:
            from lookout_dashboards import expiring

            first_clock = expiring.clock
            expiring.clock = lambda: first_clock() + later_s  # this fork only
        warm, warm_cpu, warm_calls, warm_metric_calls = [], [], [], []
        calls, metric_calls = len(fake.calls), len(metrics.made)
        for run in range(WARM_RUNS):
            start, start_cpu, start_service = time.perf_counter(), cpu_seconds(), services.cpu_s
            handler.lambda_handler(event, None)
            warm_cpu.append(services.excluded(start_cpu, start_service))
            warm.append(time.perf_counter() - start)
            if run == 0:
                warm_calls, warm_metric_calls = fake.calls[calls:], metrics.made[metric_calls:]
        tracemalloc.start()
        handler.lambda_handler(event, None)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return {
            "first_cpu_s": first_cpu_s,
            "first_s": first_s,
            "warm_s": statistics.median(warm),
            "warm_cpu_s": statistics.median(warm_cpu),
            "peak_bytes": peak,
            "response_bytes": len(first.encode()),
            "service_calls": len(first_calls),
            "warm_service_calls": len(warm_calls),
            "first_operations": dict(Counter(first_calls)),
            "warm_operations": dict(Counter(warm_calls)),
            "metric_operations": dict(Counter(first_metric_calls)),
            "warm_metric_operations": dict(Counter(warm_metric_calls)),
            "s3_calls": first_s3_calls,
            "s3_reads": first_reads,
            "rows": table_rows(first),
            "bytes_written": written,
            "objects_written": len(changed),
            "later_imports": sorted(later),
            **extra,
        }

    runs = [in_fork(work) for _ in range(FRESH_CONTAINERS)]
    median_of = {"first_cpu_s", "first_s", "warm_s", "warm_cpu_s", "csv_parse_s"}
    return {
        **runs[0],
        **{name: statistics.median(run[name] for run in runs) for name in median_of if name in runs[0]},
        "peak_bytes": max(run["peak_bytes"] for run in runs),
        "later_imports": sorted(set().union(*(run["later_imports"] for run in runs))),
    }


def run_in_fork(run: Callable[[], dict[str, Any]], fake: Any, shipped: set[str]) -> dict[str, Any]:
    """A scheduled function's `run` in new containers (forks with a new boto3 session and container): its CPU
    less the services', its SiteWise (the fake's), CloudWatch and S3 calls, and what `run` answers; median CPU
    and wall time of `FRESH_CONTAINERS` forks."""

    def work() -> dict[str, Any]:
        with ServiceTime() as services:
            os.environ["CACHE_DIR"] = tempfile.mkdtemp(prefix="l4e-bench-")
            import boto3

            from lookout_dashboards.container import reset_container

            preloaded = set(sys.modules)
            boto3.DEFAULT_SESSION = None
            reset_container()
            events = boto3._get_default_session().events
            traffic, metrics = BucketTraffic(events), OperationCalls(events, "cloudwatch")
            bucket_calls = OperationCalls(events, "s3")
            calls = len(fake.calls)
            with imports_already_loaded(preloaded, shipped) as later:
                start, start_cpu, start_service = time.perf_counter(), cpu_seconds(), services.cpu_s
                answer = run()
                first_s = time.perf_counter() - start
                first_cpu_s = services.excluded(start_cpu, start_service)
            made = fake.calls[calls:]
            return {
                **answer,
                "first_cpu_s": first_cpu_s,
                "first_s": first_s,
                "warm_s": 0.0,
                "warm_cpu_s": 0.0,
                "peak_bytes": 0,
                "response_bytes": 0,
                "service_calls": len(made),
                "first_operations": dict(Counter(made)),
                "metric_operations": dict(Counter(metrics.made)),
                "s3_calls": traffic.calls,
                "s3_operations": dict(Counter(bucket_calls.made)),
                "s3_reads": traffic.reads,
                "bytes_written": traffic.written,
                "objects_written": 0,
                "later_imports": sorted(later),
            }

    runs = [in_fork(work) for _ in range(FRESH_CONTAINERS)]
    return {
        **runs[0],
        **{name: statistics.median(run[name] for run in runs) for name in ("first_cpu_s", "first_s")},
        "later_imports": sorted(set().union(*(run["later_imports"] for run in runs))),
    }


def csv_read_and_parse(model_name: str, services: ServiceTime) -> dict[str, Any]:
    """CPU seconds of reading and parsing the CSV files of the component the widget shows first."""
    import boto3

    from lookout_dashboards.config import load_settings
    from lookout_dashboards.importance import average_importance
    from lookout_dashboards.sources import default_source
    from lookout_dashboards.sources.lookout_sensor_files import read_component_files

    session = boto3.session.Session()  # not the widget's: its calls are not counted
    source = default_source(load_settings(), session.client)
    model = source.get_model(model_name)
    component = average_importance(model.evaluation.events)[0].label.rpartition("\\")[0]
    location = source.get_dataset(model.dataset_name).source
    folder = f"{location.prefix.rstrip('/')}/{component}/".lstrip("/")
    s3 = session.client("s3")
    keys = sorted(key for key in bucket_objects(s3, location.bucket) if key.startswith(folder) and key.endswith(".csv"))
    start, start_service = cpu_seconds(), services.cpu_s
    read_component_files(
        (f"s3://{location.bucket}/{key}", s3.get_object(Bucket=location.bucket, Key=key)["Body"].read()) for key in keys
    )
    return {"csv_parse_s": services.excluded(start, start_service)}


def table_rows(html: str) -> int:
    """Rows of the table a list widget answers (none for a chart)."""
    return html.partition("<tbody>")[2].count("<tr>")


def put_objects(written: Path) -> None:
    """What a first render wrote, into the parent's bucket: later forks start with that bucket cache."""
    from lookout_dashboards.aws import make_client
    from lookout_dashboards.config import load_settings

    s3, bucket = make_client("s3"), load_settings().snapshot_bucket
    for key, body in pickle.loads(written.read_bytes()).items():  # noqa: S301 - written by our own child
        s3.put_object(Bucket=bucket, Key=key, Body=body)


@dataclass(frozen=True)
class Measure:
    widget: str
    case: str
    memory_mb: int
    chart: bool
    import_cpu_s: float
    later_imports: tuple[str, ...]
    later_imports_cpu_s: float
    first_cpu_s: float
    first_s: float
    warm_s: float
    warm_cpu_s: float
    peak_bytes: int
    response_bytes: int
    service_calls: int
    s3_reads: int
    bytes_written: int
    objects_written: int
    csv_parse_s: float | None = None
    #: The calls of one warm render, and both renders' calls by operation (the fake's names).
    warm_service_calls: int = 0
    first_operations: Mapping[str, int] = field(default_factory=dict)
    warm_operations: Mapping[str, int] = field(default_factory=dict)
    s3_calls: int = 0
    rows: int = 0
    #: CloudWatch calls by operation, cold and warm.
    metric_operations: Mapping[str, int] = field(default_factory=dict)
    warm_metric_operations: Mapping[str, int] = field(default_factory=dict)
    s3_operations: Mapping[str, int] = field(default_factory=dict)

    @property
    def cold_cpu_s(self) -> float:
        return self.import_cpu_s + self.later_imports_cpu_s + self.first_cpu_s

    @property
    def projected_s(self) -> float:
        return projected_cold_start(self.cold_cpu_s, self.memory_mb)


@dataclass(frozen=True)
class BuiltLayers:
    """The layers and runtime a new container imports from, and the template's settings of each function."""

    layer: Path
    runtime: Path
    shipped: set[str]
    functions: Mapping[str, FunctionSettings]

    def measure(
        self, widget: str, case: str, result: Mapping[str, Any], environment: Mapping[str, str] | None = None
    ) -> Measure:
        """The render `result` with its function's import CPU from the built layers (with `environment` added)."""
        settings = self.functions[widget]
        settings = replace(settings, environment={**settings.environment, **(environment or {})})
        imports = clean_import(ROOT / "lambdas" / widget, self.layer, self.runtime, settings, result["later_imports"])
        return _measure(widget, case, settings.memory_mb, imports, result)


def _measure(widget: str, case: str, memory_mb: int, imports: Mapping[str, Any], result: Mapping[str, Any]) -> Measure:
    given = {
        "widget": widget,
        "case": case,
        "memory_mb": memory_mb,
        "chart": imports["chart"],
        "import_cpu_s": imports["import_cpu_s"],
        "later_imports_cpu_s": imports["later_imports_cpu_s"],
        "later_imports": tuple(
            sorted({name.partition(".")[0] for name in result["later_imports"]} - sys.stdlib_module_names)
        ),
    }
    measured = {
        item.name: result[item.name] for item in fields(Measure) if item.name in result and item.name not in given
    }
    return Measure(**given, **measured)
