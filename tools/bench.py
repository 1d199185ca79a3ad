"""`invoke bench`: cold start, render time, memory and response size of every widget on the large demo account.

How each figure is taken, so that "cold" means what Lambda means by it:
- *import CPU*: user + system CPU seconds of a clean Python process (`-S`, `PYTHONDONTWRITEBYTECODE=1`)
  importing the function's `handler` as Lambda does, with `sys.path` = the function's folder, the
  layers as `invoke bench` builds them for this machine's Python and platform through
  `layers/create-layer.sh` (unzipped one over the other, as in `/opt`), then only the AWS SDK that
  Lambda's runtime provides (boto3, botocore, s3transfer, jmespath, dateutil, urllib3, six). Every
  loaded module is checked to come from there or the standard library, so numpy, pandas, matplotlib
  and Jinja2 come from the built layer. The template's literal variables are set, with `/tmp` a new
  empty folder (so matplotlib finds no font cache, as in a new container). Best of three processes.
  The list widgets' ≤ 150 ms and the chart handlers' ≤ 0.5 s targets are this figure.
- *first render*: a process forked from the one holding the demo account (so no widget module,
  matplotlib or cached extract is loaded in it, `gc.freeze()` keeps the account's millions of
  objects out of its garbage collections, and a new boto3 session reads the service models
  again) renders once with an empty `/tmp`; CPU seconds of the render, median of three processes,
  less the CPU that moto and the Lookout for Equipment fake spend answering (AWS's work, not the
  function's). Wall times are shown beside, but other work on this machine stretches them: the
  projection uses CPU.
- *imports at first render*: modules the shipped code imports during the first render that the
  fork had for free from its parent (boto3 at the first client, pandas at the first CSV read),
  imported again after the handler in the clean process above: CPU seconds, best of three (the
  column names the packages beyond the standard library).
- *cases*: "first render ever" is a new container before anything was cached in the stack's
  bucket; what it writes there is then put in the bucket, and "new container" renders with that
  bucket cache (and an empty `/tmp`). A function that writes nothing has only the second row.
- *projected cold start* = (import + imports at first render + first render CPU) × 1,769 /
  MemorySize when the template's MemorySize is below 1,769 MB (Lambda gives one full vCPU at
  1,769 MB, a share in proportion below it), else the CPU time itself. It counts CPU only: each
  request to AWS adds its network round trip on top (see the L4E calls and S3 reads).
- *warm*: five more renders in each forked process; CPU (as above) and wall time, median of the
  three medians.
- *peak memory*: tracemalloc's peak over one warm render (Python and numpy allocations).
- *L4E calls*, *S3 reads*: Lookout for Equipment calls and S3 `GetObject` calls of the first render;
  *bucket writes*: bytes of the `PutObject` and `UploadPart` calls of the first render (after the
  threads it started have finished).
- *CSV read + parse*: in the same fresh process as `model-anomalies`' first render ever, the CPU
  seconds (as above) of reading the top sensor's component files from S3 and parsing them with
  `read_component_files`, called directly rather than through any cache.
  Scheduler widgets run on `pump-station-archive` (20,000 executions) except `scheduler-anomalies`,
  on `pump-station-live` (a run every five minutes) over the last day.
- *IoT SiteWise* (`--source sitewise`): the same figures on the SiteWise demo account with
  DATA_SOURCE=IoTSiteWise, plus the SiteWise calls of the first render and of the next (warm) one,
  by operation, and every S3 call; the list widgets again after `SITEWISE_MORE_MODELS` more models,
  so that what grows with rows shows.
"""

from __future__ import annotations

import builtins
import gc
import hashlib
import importlib.util
import json
import math
import os
import pickle
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

from tools.cloudformation import FunctionSettings, function_settings

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "layers" / "lookout-equipment" / "python"
CACHE = ROOT / "bench" / "cache"
WARM_RUNS = 5
FRESH_CONTAINERS = 3
IMPORT_RUNS = 3
THREADS_DEADLINE_S = 30.0
MODEL_WIDGETS = (
    "model-details",
    "model-anomalies",
    "model-signal-importance",
    "model-importance-evolution",
    "model-importance-legend",
)
SCHEDULER_WIDGETS = ("scheduler-details", "scheduler-last-diagnostics", "scheduler-anomalies")
ALL_WIDGETS = ("list-models", *MODEL_WIDGETS, "list-schedulers", *SCHEDULER_WIDGETS)
#: The sources `invoke bench --source` measures, each on its demo account, and the report's section of each.
SOURCES = ("lookout", "sitewise")
SECTION_TITLES = {"lookout": "# Benchmark: Lookout for Equipment", "sitewise": "# Benchmark: AWS IoT SiteWise"}
#: Which scheduler of the large account each scheduler widget is measured on.
SCHEDULER_OF = {
    "scheduler-details": "long_history",
    "scheduler-last-diagnostics": "long_history",
    "scheduler-anomalies": "live",
}
#: What Lambda's Python runtime provides beside the function and its layers.
RUNTIME_MODULES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")
#: The host's runtime and architecture, in create-layer.sh's words.
HOST_PLATFORM = (
    f"python{sys.version_info.major}.{sys.version_info.minor}",
    {"aarch64": "arm64", "arm64": "arm64"}.get(platform.machine(), "x86_64"),
)

FULL_VCPU_MB = 1769
MEMORY_STEP_MB, MIN_MEMORY_MB, MAX_MEMORY_MB = 64, 128, 3008
#: The smallest memory step with a full vCPU: a single-threaded cold start is no faster above it.
FULL_VCPU_STEP_MB = MIN_MEMORY_MB + math.ceil((FULL_VCPU_MB - MIN_MEMORY_MB) / MEMORY_STEP_MB) * MEMORY_STEP_MB
COLD_START_TARGET_S = 1.5
#: Lambda's prices in us-east-1 for arm64.
PRICE_PER_GB_SECOND = 0.0000133334
PRICE_PER_REQUEST = 0.20 / 1_000_000

CHART_IMPORT_TARGET_S = 0.5
LIST_IMPORT_TARGET_S = 0.150
RESPONSE_TARGET_BYTES = 150 * 1024
RENDER_AFTER_IMPORTS_TARGET_S = 0.3
FIRST_EVER_OVER_CSV_TARGET = 2.0
NEW_CONTAINER_READS_TARGET = 3


# The arithmetic of memory and price ---------------------------------------------------------


def projected_cold_start(cpu_s: float, memory_mb: int) -> float:
    """Seconds a cold start takes in Lambda: its CPU seconds, stretched by the vCPU share `memory_mb` buys."""
    return cpu_s * FULL_VCPU_MB / memory_mb if memory_mb < FULL_VCPU_MB else cpu_s


def memory_for(cpu_s: float, limit_s: float = COLD_START_TARGET_S) -> int | None:
    """The smallest memory setting (64 MB steps) whose projected cold start is within `limit_s`, if any."""
    for memory_mb in range(MIN_MEMORY_MB, MAX_MEMORY_MB + 1, MEMORY_STEP_MB):
        if projected_cold_start(cpu_s, memory_mb) <= limit_s:
            return memory_mb
    return None


def cost_per_thousand_views(memory_mb: int, duration_s: float) -> float:
    """Dollars for a thousand invocations of `duration_s` each (billed by the millisecond) at `memory_mb`."""
    billed_s = math.ceil(duration_s * 1000) / 1000
    return 1000 * (memory_mb / 1024 * billed_s * PRICE_PER_GB_SECOND + PRICE_PER_REQUEST)


# Layers built for this machine ----------------------------------------------------------------


def host_packages(packages: Sequence[str], installed: Callable[[str], str | None]) -> tuple[list[str], list[str]]:
    """The layer's pins for this machine's Python, and the pins changed for it.

    A pin may have no wheel for the host's Python (numpy 2.5 needs 3.12): where this environment
    runs another version of a pinned package, the host layer takes that one.
    """
    chosen, changed = [], []
    for package in packages:
        name, _, pinned = package.partition("==")
        version = installed(name) if pinned else None
        if version and version != pinned:
            chosen.append(f"{name}=={version}")
            changed.append(f"{name} {version} (Lambda's layer: {pinned})")
        else:
            chosen.append(package)
    return chosen, changed


def installed_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _tree_digest(digest: Any, folder: Path, skip: Callable[[Path], bool] = lambda path: False) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc" and not skip(path):
            digest.update(f"{path.relative_to(folder)}\0".encode())
            digest.update(path.read_bytes())


def layer_key(layer: Mapping[str, Any], platform_: tuple[str, str], layers: Mapping[str, Mapping[str, Any]]) -> str:
    """What a built layer depends on: its settings, the platform, its own folder, and the build scripts.

    The build scripts are every file under `layers/` outside the layers' own folders, and `tools/`
    (create-layer.sh zips with `tools.deterministic_zip`), the benchmark aside.
    """
    digest = hashlib.sha256(json.dumps([dict(layer), platform_], sort_keys=True).encode())
    includes = [ROOT / other["include"] for other in layers.values() if other.get("include")]
    _tree_digest(digest, ROOT / "layers", lambda path: any(path.is_relative_to(folder) for folder in includes))
    _tree_digest(digest, ROOT / "tools", lambda path: path == Path(__file__).resolve())
    if layer.get("include"):
        _tree_digest(digest, ROOT / layer["include"])
    return digest.hexdigest()[:16]


def host_layers(
    layers: Mapping[str, Mapping[str, Any]],
    build: Callable[[Mapping[str, Any], Path], None],
    installed: Callable[[str], str | None] = installed_version,
) -> tuple[list[Path], list[str]]:
    """Each layer's zip for this machine (built by `build(layer, output)` into bench/cache/ when its inputs
    changed), and the pins changed for this machine's Python."""
    cache = CACHE
    cache.mkdir(parents=True, exist_ok=True)
    zips, changed = [], []
    for name, layer in layers.items():
        packages, layer_changes = host_packages(layer["packages"], installed)
        host_layer = {**layer, "packages": packages}
        output = cache / f"layer-{name}-{layer_key(host_layer, HOST_PLATFORM, layers)}.zip"
        if not output.exists():
            for stale in cache.glob(f"layer-{name}-{'?' * 16}.zip"):
                stale.unlink()
            building = output.with_suffix(".building.zip")
            build(host_layer, building)
            building.rename(output)
        zips.append(output)
        changed += layer_changes
    return zips, changed


def unzip_layers(zips: Sequence[Path], opt: Path) -> Path:
    """The layers one over the other, as Lambda lays them out in /opt; their `python/` folder."""
    for path in zips:
        with zipfile.ZipFile(path) as archive:
            archive.extractall(opt)
    return opt / "python"


def runtime_modules(folder: Path) -> Path:
    """A folder with only the AWS SDK that Lambda's runtime provides, linked from this environment."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in RUNTIME_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise RuntimeError(f"{name} is not installed here; the bench needs it as Lambda's runtime provides it")
        origin = Path(spec.origin)
        target = origin.parent if origin.name == "__init__.py" else origin
        (folder / target.name).symlink_to(target)
    return folder


# Measuring ------------------------------------------------------------------------------------


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


IMPORT_SCRIPT = """\
import importlib.util, json, os, resource, sys
function, layer, runtime, later = json.loads(sys.argv[1])
sys.path[:0] = [function, layer]
sys.path.append(runtime)

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

start = cpu()
import handler
imported = cpu()
for name in later:
    if importlib.util.find_spec(name.partition(".")[0]) is not None:
        importlib.import_module(name)
done = cpu()
stdlib = os.path.dirname(os.__file__)
allowed, installed = (function, layer, runtime, stdlib), os.path.join(stdlib, "site-packages")
strays = sorted(
    name for name, module in list(sys.modules.items())
    if getattr(module, "__file__", None)
    and (not module.__file__.startswith(allowed) or module.__file__.startswith(installed))
)
print(json.dumps({
    "import_cpu_s": imported - start, "later_imports_cpu_s": done - imported,
    "chart": "matplotlib" in sys.modules, "strays": strays,
}))
"""


def clean_import(
    function: Path, layer: Path, runtime: Path, settings: FunctionSettings, later: Sequence[str] = ()
) -> dict[str, Any]:
    """CPU seconds of a new container's handler import from the built layers, then of `later` modules."""
    runs = []
    for _ in range(IMPORT_RUNS):
        with tempfile.TemporaryDirectory(prefix="l4e-bench-tmp-") as tmp:
            environment = {
                **{name: value for name, value in os.environ.items() if not name.startswith("PYTHON")},
                **{name: _in_tmp(value, tmp) for name, value in settings.environment.items()},
                "PYTHONDONTWRITEBYTECODE": "1",
            }
            arguments = json.dumps([str(function), str(layer), str(runtime), list(later)])
            process = subprocess.run(  # noqa: S603 - this interpreter running the script above
                [sys.executable, "-S", "-s", "-c", IMPORT_SCRIPT, arguments],
                capture_output=True,
                text=True,
                env=environment,
                cwd=tmp,
            )
        if process.returncode:
            raise RuntimeError(f"{function.name} did not import from the built layers: {process.stderr[-2000:]}")
        run = json.loads(process.stdout)
        if run["strays"]:
            raise RuntimeError(f"{function.name} imported modules from outside the layers and runtime: {run['strays']}")
        runs.append(run)
    return {
        "import_cpu_s": min(run["import_cpu_s"] for run in runs),
        "later_imports_cpu_s": min(run["later_imports_cpu_s"] for run in runs),
        "chart": runs[0]["chart"],
    }


def _in_tmp(value: str, tmp: str) -> str:
    """A template value with Lambda's `/tmp` moved to `tmp`, a new container's empty one."""
    return tmp + value.removeprefix("/tmp") if value == "/tmp" or value.startswith("/tmp/") else value


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


def shipped_packages(layer: Path) -> set[str]:
    """Top-level names of what a function runs: the layers' packages and the runtime's SDK."""
    return {path.name.removesuffix(".py") for path in layer.iterdir() if not path.name.endswith(".dist-info")} | set(
        RUNTIME_MODULES
    )


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
            start = cpu_seconds()
            try:
                return handler(**kwargs)
            finally:
                self.cpu_s += cpu_seconds() - start

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
        first_s3_calls = traffic.calls
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
        warm, warm_cpu, warm_calls = [], [], []
        calls = len(fake.calls)
        for run in range(WARM_RUNS):
            start, start_cpu, start_service = time.perf_counter(), cpu_seconds(), services.cpu_s
            handler.lambda_handler(event, None)
            warm_cpu.append(services.excluded(start_cpu, start_service))
            warm.append(time.perf_counter() - start)
            if run == 0:
                warm_calls = fake.calls[calls:]
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


def run_bench(
    size_name: str,
    output: Path | None,
    widgets: tuple[str, ...],
    layer_zips: Sequence[Path],
    notes: Sequence[str] = (),
    sources: Sequence[str] = SOURCES,
) -> list[Measure]:
    """Bench each of `sources` on its demo account; its section of `output` is rewritten, the others kept."""
    sys.path[:0] = [str(LIBRARY), str(ROOT)]
    chosen = widgets or ALL_WIDGETS
    measures: list[Measure] = []
    sections: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="l4e-bench-") as scratch:
        layer = unzip_layers(layer_zips, Path(scratch) / "opt")
        built = BuiltLayers(
            layer, runtime_modules(Path(scratch) / "runtime"), shipped_packages(layer), function_settings()
        )
        for source in sources:
            bench_source = {"lookout": _bench_lookout, "sitewise": _bench_sitewise}[source]
            found, sections[source] = bench_source(size_name, chosen, built, Path(scratch), notes)
            measures += found
    report = merged_report(output.read_text() if output and output.exists() else "", sections)
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(report)
    print(report)
    return measures


def merged_report(previous: str, sections: Mapping[str, str]) -> str:
    """The report with `sections` (by source) replacing those of `previous`, in `SOURCES`' order."""
    kept: dict[str, str] = {}
    titles = {title: source for source, title in SECTION_TITLES.items()}
    current = None
    for line in previous.splitlines(keepends=True):
        current = titles.get(line.rstrip("\n"), current)
        if current:
            kept[current] = kept.get(current, "") + line
    kept |= {source: text.rstrip("\n") + "\n" for source, text in sections.items()}
    return "\n".join(kept[source].rstrip("\n") + "\n" for source in SOURCES if source in kept)


def _bench_lookout(
    size_name: str, chosen: Sequence[str], built: BuiltLayers, scratch: Path, notes: Sequence[str]
) -> tuple[list[Measure], str]:
    from local.demo import SIZES, demo_account
    from local.widget_events import widget_event

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
            written = scratch / f"written-{widget}.pickle"
            beside = partial(csv_read_and_parse, model) if widget == "model-anomalies" else None
            first = render_in_fork(widget, events[widget], account.fake, built.shipped, written, beside)
            cases = [("new container", first)]
            if first["objects_written"]:
                put_objects(written)
                again = render_in_fork(widget, events[widget], account.fake, built.shipped, written)
                cases = [("first render ever", first), ("new container", again)]
            measures += [built.measure(widget, case, result) for case, result in cases]
        tenfold = _tenfold_response(account, model, events["model-anomalies"]) if "model-anomalies" in chosen else None
    return measures, _report(measures, size_name, built_s, tenfold, account, notes)


class SiteWiseCase(NamedTuple):
    """A render of the SiteWise bench: a widget on pump 1's model (or a list), over the last `days`."""

    widget: str
    case: str
    parameter: str | None
    days: int
    height: int
    calls_allowed: int | None = None
    #: The demo model the case renders (`pump 1`'s by default), and the items a list page holds (AWS's 250).
    model: str = ""
    page_size: int | None = None


SITEWISE_DEMO = "demo"
#: The issue's account: 40 days of five-minute runs (11,520), listed oldest first in pages of 250.
SITEWISE_RUN_HISTORY = "pump 3, 40 days of five-minute runs (11,520, oldest first, pages of 250)"
#: A warm SiteWise render is a refresh: at least a minute later, when the listings of the first have expired.
SITEWISE_REFRESH_S = 60.0
SITEWISE_CASES = (
    SiteWiseCase("list-models", SITEWISE_DEMO, None, 90, 900),
    *(SiteWiseCase(widget, "pump 1", "model", 200, 400) for widget in MODEL_WIDGETS if widget != "model-anomalies"),
    SiteWiseCase("model-anomalies", "pump 1, evaluation (60 days)", "model", 200, 400, 2),
    SiteWiseCase("model-anomalies", "pump 1, last 7 days", "model", 7, 400, 2),
    SiteWiseCase("list-schedulers", SITEWISE_DEMO, None, 1, 500),
    SiteWiseCase("scheduler-details", "pump 1", "scheduler", 1, 500),
    SiteWiseCase("scheduler-details", SITEWISE_RUN_HISTORY, "scheduler", 1, 500, 60, "long-running", 250),
    SiteWiseCase("scheduler-last-diagnostics", "pump 1", "scheduler", 1, 500, 3),
    SiteWiseCase("scheduler-anomalies", "pump 1, 7 days (2,016 results)", "scheduler", 7, 500, 3),
    SiteWiseCase("scheduler-anomalies", "pump 1, 30 days (8,640 results)", "scheduler", 30, 500, 10),
)
#: Models added to the SiteWise demo for the list widgets' second account: more rows, and pages.
SITEWISE_MORE_MODELS = 60
SITEWISE_WARM_TARGETS = ("model-anomalies", "scheduler-anomalies")
#: The one call per row the list widgets may make: `inferenceTimerActive` is only read per model and asset.
PER_ROW_ALLOWED = "DescribeComputationModelExecutionSummary"
HEAVY_LIBRARIES = ("numpy", "pandas", "matplotlib")


def _bench_sitewise(
    size_name: str, chosen: Sequence[str], built: BuiltLayers, scratch: Path, notes: Sequence[str]
) -> tuple[list[Measure], str]:
    import lookout_dashboards.sources.iot_sitewise  # noqa: F401 - loaded here, a fork's render counts its import
    from local.demo_sitewise import SIZES, add_fleet_models, add_long_running_model, sitewise_demo_account
    from local.widget_events import widget_event
    from lookout_dashboards.config import IOT_SITEWISE

    environment = {"DATA_SOURCE": IOT_SITEWISE}
    before = os.environ.get("DATA_SOURCE")
    os.environ.update(environment)
    measures: list[Measure] = []
    try:
        started = time.perf_counter()
        with sitewise_demo_account(SIZES[size_name]) as demo:
            built_s = time.perf_counter() - started
            keys = {"": f"{demo.models['pump-fleet']}_{demo.assets['pump-1']}"}
            keys["long-running"] = add_long_running_model(demo)
            page_size = demo.fake.page_size

            def run(cases: Sequence[SiteWiseCase]) -> None:
                for case in (case for case in cases if case.widget in chosen):
                    params = {case.parameter: keys[case.model]} if case.parameter else {}
                    start = demo.now - timedelta(days=case.days)
                    event = widget_event(params, start=start, end=demo.now, width=1200, height=case.height)
                    written = scratch / f"written-sitewise-{case.widget}.pickle"
                    demo.fake.page_size = case.page_size or page_size
                    render = partial(render_in_fork, later_s=SITEWISE_REFRESH_S)
                    result = render(case.widget, event, demo.fake, built.shipped, written)
                    if result["objects_written"]:  # a model's facts: later containers read them from the bucket
                        put_objects(written)
                        again = render(case.widget, event, demo.fake, built.shipped, written)
                        first_ever = f"{case.case}, first render ever"
                        measures.append(built.measure(case.widget, first_ever, result, environment))
                        result = again
                    measures.append(built.measure(case.widget, case.case, result, environment))

            run(SITEWISE_CASES)
            models = len(demo.fake.computation_models)
            add_fleet_models(demo, SITEWISE_MORE_MODELS)
            more = f"demo + {SITEWISE_MORE_MODELS} models"
            run([case._replace(case=more) for case in SITEWISE_CASES if case.case == SITEWISE_DEMO])
            account = (
                f"{len(demo.assets)} assets, {sum(1 for key in demo.fake.points if key[0])} properties with values "
                f"(one-minute sensor history over {demo.size.history_days} days, PT5M results over "
                f"{demo.size.results_days} days), {models} computation models ({len(demo.fake.computation_models)} "
                f"in the `{more}` rows); the fake answers {demo.fake.page_size} items per list page"
            )
    finally:
        os.environ.pop("DATA_SOURCE")
        if before is not None:
            os.environ["DATA_SOURCE"] = before
    return measures, _sitewise_report(measures, size_name, built_s, account, notes)


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
        history = source.read_dataset_sensor(model.dataset_name, component.component, component.sensor)
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


# The report -----------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:,.0f} ms"


def _kb(value: float) -> str:
    return f"{value / 1024:,.1f} KB"


def _verdict(label: str, value: float, limit: float, shown: Callable[[float], str]) -> str:
    return f"- {label}: {shown(value)} (target ≤ {shown(limit)}): {'met' if value <= limit else 'NOT met'}"


def _target_lines(measures: Sequence[Measure], tenfold: Mapping[str, Any] | None) -> list[str]:
    new = {m.widget: m for m in measures if m.case == "new container"}
    lines = []
    for m in new.values():
        if m.chart or m.widget.startswith("list-"):
            limit = CHART_IMPORT_TARGET_S if m.chart else LIST_IMPORT_TARGET_S
            label = f"`{m.widget}`{' (a chart)' if m.chart else ''} import CPU from the built layer"
            lines.append(_verdict(label, m.import_cpu_s, limit, _ms))
    for m in new.values():
        label = f"`{m.widget}` projected cold start at {m.memory_mb} MB"
        lines.append(_verdict(label, m.projected_s, COLD_START_TARGET_S, lambda value: f"{value:.2f} s"))
    if anomalies := new.get("model-anomalies"):
        label = "`model-anomalies` new container, render CPU after imports"
        lines.append(_verdict(label, anomalies.first_cpu_s, RENDER_AFTER_IMPORTS_TARGET_S, _ms))
    for m in measures:
        if m.widget == "model-anomalies" and m.csv_parse_s:
            label = f"`model-anomalies` {m.case} CPU, against {_ms(m.csv_parse_s)} of CSV read + parse beside it (× 2)"
            lines.append(_verdict(label, m.first_cpu_s, FIRST_EVER_OVER_CSV_TARGET * m.csv_parse_s, _ms))
    for m in measures:
        lines.append(_verdict(f"`{m.widget}` response ({m.case})", m.response_bytes, RESPONSE_TARGET_BYTES, _kb))
    if scheduler := new.get("scheduler-anomalies"):
        label = "`scheduler-anomalies` new container object reads"
        lines.append(_verdict(label, scheduler.s3_reads, NEW_CONTAINER_READS_TARGET, str))
    if diagnostics := new.get("scheduler-last-diagnostics"):  # an earlier issue's targets, still held
        lines.append(_verdict("`scheduler-last-diagnostics` L4E calls", diagnostics.service_calls, 3, str))
        lines.append(_verdict("`scheduler-last-diagnostics` S3 reads", diagnostics.s3_reads, 2, str))
    if tenfold:
        same = abs(tenfold["tenfold_bytes"] - tenfold["normal_bytes"]) <= 0.1 * tenfold["normal_bytes"]
        lines.append(
            f"- `model-anomalies` response on a ten-times-larger history within 10 % of the usual: "
            f"{'met' if same else 'NOT met'}"
        )
    return lines


def _memory_lines(measures: Sequence[Measure]) -> list[str]:
    lines = [
        "| function | MemorySize now | projected there | memory for ≤ 1.5 s | projected there "
        "| per 1,000 cold views | per 1,000 warm views |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for m in measures:
        if m.case != "new container":
            continue
        memory = memory_for(m.cold_cpu_s)
        shown = f"{memory} MB" if memory else f"none: {FULL_VCPU_STEP_MB} MB is one full vCPU, the most it gets"
        memory = memory or FULL_VCPU_STEP_MB
        cold_s, warm_s = projected_cold_start(m.cold_cpu_s, memory), projected_cold_start(m.warm_cpu_s, memory)
        lines.append(
            f"| {m.widget} | {m.memory_mb} MB | {m.projected_s:.2f} s | {shown} | {cold_s:.2f} s "
            f"| ${cost_per_thousand_views(memory, cold_s):.4f} | ${cost_per_thousand_views(memory, warm_s):.4f} |"
        )
    return lines


def _report(
    measures: list[Measure],
    size_name: str,
    built_s: float,
    tenfold: Mapping[str, Any] | None,
    account: Any,
    notes: Sequence[str],
) -> str:
    today = f"{datetime.now():%Y-%m-%d}"
    runtime, architecture = HOST_PLATFORM
    lines = [
        SECTION_TITLES["lookout"],
        "",
        f"`invoke bench --size {size_name} --source lookout` on {today}, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs (this machine, not Lambda arm64). Demo account built in {built_s:.0f} s: "
        f"{sum(len(v) for v in account.sensors.values())} sensors, {account.size.sample_minutes}-minute samples over "
        f"{account.size.history_days} days, {len(account.fake.models)} models. Layers built by "
        f"`layers/create-layer.sh -r {runtime} -a {architecture}`"
        + (f"; for this Python: {', '.join(notes)}." if notes else "."),
        "",
        "CPU seconds (user + system); *projected* is the cold start at the template's MemorySize.",
        "",
        "| widget | case | MemorySize | import CPU | imports at first render | first render CPU (wall) "
        "| projected cold start | warm CPU (wall) | peak memory | response | L4E calls | S3 reads | bucket writes |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in measures:
        later = f"{_ms(m.later_imports_cpu_s)} ({', '.join(m.later_imports)})" if m.later_imports else "-"
        writes = f"{m.bytes_written / 2**20:,.1f} MiB in {m.objects_written}" if m.objects_written else "0"
        lines.append(
            f"| {m.widget} | {m.case} | {m.memory_mb} MB | {_ms(m.import_cpu_s)} | {later} | "
            f"{_ms(m.first_cpu_s)} ({_ms(m.first_s)}) | {m.projected_s:.2f} s | "
            f"{_ms(m.warm_cpu_s)} ({_ms(m.warm_s)}) | "
            f"{m.peak_bytes / 2**20:,.1f} MiB | {_kb(m.response_bytes)} | {m.service_calls} | {m.s3_reads} | {writes} |"
        )
    if tenfold:
        lines += [
            "",
            f"Ten-times-larger history: `model-anomalies` over {tenfold['days']} days, "
            f"{tenfold['points']:,} values and {tenfold['events']:,} events answers "
            f"{_kb(tenfold['tenfold_bytes'])}, against {_kb(tenfold['normal_bytes'])} for "
            f"{tenfold['normal_points']:,} values: the size follows the widget's pixels, not the data.",
        ]
    lines += [
        "",
        "## Memory for a cold start ≤ 1.5 s",
        "",
        f"The smallest memory ({MEMORY_STEP_MB} MB steps, {MIN_MEMORY_MB}–{MAX_MEMORY_MB} MB) whose projected cold "
        f"start (new container, no SnapStart) is ≤ {COLD_START_TARGET_S} s. Prices used: Lambda arm64 in us-east-1, "
        f"${PRICE_PER_GB_SECOND:.10f} per GB-second and ${PRICE_PER_REQUEST * 1e6:.2f} per million requests "
        f"(as of {today}). A cold view is billed for the projected cold start (Lambda bills the init phase), "
        "a warm view for the warm render's CPU stretched the same way. Below 1,769 MB a view's GB-seconds hardly "
        "change with memory: more memory finishes sooner for about the same price.",
        "",
        *_memory_lines(measures),
        "",
        "## Targets",
        "",
        *_target_lines(measures, tenfold),
        "",
        __doc__.split("\n", 2)[2].strip(),
        "",
    ]
    return "\n".join(lines)


# The SiteWise report --------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """One target's line: what it limits, the figure, the limit, and, when not met, why."""

    target: str
    measured: str
    limit: str
    met: bool
    why: str = ""


def _operations(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{operation} {count}" for operation, count in sorted(counts.items(), key=lambda i: -i[1])) or "-"


def _calls_verdicts(m: Measure, allowed: int) -> list[Verdict]:
    """Cold (a new container's first render) and warm calls against `allowed`; why: the calls made."""
    return [
        Verdict(
            f"`{m.widget}` {m.case}: SiteWise calls, {kind}",
            str(calls),
            f"≤ {allowed}",
            calls <= allowed,
            "" if calls <= allowed else _operations(operations),
        )
        for kind, calls, operations in (
            ("cold", m.service_calls, m.first_operations),
            ("warm", m.warm_service_calls, m.warm_operations),
        )
    ]


def growth_per_row(few: Measure, many: Measure, warm: bool) -> dict[str, float]:
    """Calls per added row, by operation, from an account with `few` rows to one with `many`."""
    before, after = (m.warm_operations if warm else m.first_operations for m in (few, many))
    rows = max(1, many.rows - few.rows)
    return {op: (after.get(op, 0) - before.get(op, 0)) / rows for op in sorted(set(before) | set(after))}


def _list_verdicts(few: Measure, many: Measure) -> list[Verdict]:
    """Operations made once more (or more) per added row, beyond the summary call each row may cost."""
    verdicts = []
    for kind in ("cold", "warm"):
        growth = growth_per_row(few, many, kind == "warm")
        per_row = {op: rate for op, rate in growth.items() if rate >= 1 and op != PER_ROW_ALLOWED}
        shown = ", ".join(f"{op} {rate:.2f}" for op, rate in growth.items() if rate) or "none"
        verdicts.append(
            Verdict(
                f"`{few.widget}` calls per row ({few.rows} → {many.rows} rows), {kind}: only "
                f"{PER_ROW_ALLOWED} grows with rows",
                shown,
                f"{PER_ROW_ALLOWED} ≤ 1 per row, the rest per page",
                not per_row and growth.get(PER_ROW_ALLOWED, 0) <= 1,
                ", ".join(f"{op}: {rate:.2f} per row" for op, rate in per_row.items()),
            )
        )
    return verdicts


def sitewise_verdicts(measures: Sequence[Measure]) -> dict[str, list[Verdict]]:
    """The issue's SiteWise targets, by widget: calls, warm CPU, response, list widgets' imports and growth."""
    allowed = {(case.widget, case.case): case.calls_allowed for case in SITEWISE_CASES}
    groups: dict[str, list[Verdict]] = {}
    for m in measures:
        verdicts = groups.setdefault("list widgets" if m.widget.startswith("list-") else f"`{m.widget}`", [])
        if calls := allowed.get((m.widget, m.case)):
            verdicts += _calls_verdicts(m, calls)
        if m.case == SITEWISE_RUN_HISTORY:
            verdicts.append(
                Verdict(
                    f"`{m.widget}` {m.case}: a refresh makes fewer calls (what never changes is kept)",
                    f"{m.warm_service_calls} warm, {m.service_calls} cold",
                    "warm < cold",
                    m.warm_service_calls < m.service_calls,
                )
            )
        if m.widget in SITEWISE_WARM_TARGETS:
            verdicts.append(
                Verdict(
                    f"`{m.widget}` {m.case}: warm render CPU (wall {_ms(m.warm_s)})",
                    _ms(m.warm_cpu_s),
                    f"≤ {_ms(RENDER_AFTER_IMPORTS_TARGET_S)}",
                    m.warm_cpu_s <= RENDER_AFTER_IMPORTS_TARGET_S,
                )
            )
            verdicts.append(
                Verdict(
                    f"`{m.widget}` {m.case}: response",
                    _kb(m.response_bytes),
                    f"≤ {_kb(RESPONSE_TARGET_BYTES)}",
                    m.response_bytes <= RESPONSE_TARGET_BYTES,
                )
            )
        if m.widget.startswith("list-") and m.case == SITEWISE_DEMO:
            heavy = sorted(set(m.later_imports) & set(HEAVY_LIBRARIES))
            verdicts += [
                Verdict(
                    f"`{m.widget}` import CPU from the built layer",
                    _ms(m.import_cpu_s),
                    f"≤ {_ms(LIST_IMPORT_TARGET_S)}",
                    m.import_cpu_s <= LIST_IMPORT_TARGET_S,
                ),
                Verdict(
                    f"`{m.widget}` first render's imports with DATA_SOURCE=IoTSiteWise "
                    f"({', '.join(m.later_imports)}: {_ms(m.later_imports_cpu_s)})",
                    ", ".join(heavy) or "no numpy, pandas, matplotlib",
                    "none of numpy, pandas, matplotlib",
                    not heavy,
                    f"the render imports {', '.join(heavy)}" if heavy else "",
                ),
            ]
            many = [other for other in measures if other.widget == m.widget and other.rows > m.rows]
            if many:
                verdicts += _list_verdicts(m, many[0])
    return {name: verdicts for name, verdicts in groups.items() if verdicts}


def _verdict_tables(groups: Mapping[str, Sequence[Verdict]]) -> list[str]:
    lines = []
    for name, verdicts in groups.items():
        lines += ["", f"### {name}", "", "| target | measured | limit | met | why not |", "|---|---|---|---|---|"]
        lines += [
            f"| {v.target} | {v.measured} | {v.limit} | {'met' if v.met else 'NOT met'} | {v.why} |" for v in verdicts
        ]
    return lines


def _sitewise_report(
    measures: Sequence[Measure], size_name: str, built_s: float, account: str, notes: Sequence[str]
) -> str:
    ordered = sorted(measures, key=lambda m: ALL_WIDGETS.index(m.widget))
    lines = [
        SECTION_TITLES["sitewise"],
        "",
        f"`invoke bench --size {size_name} --source sitewise` on {datetime.now():%Y-%m-%d}, the same machine, "
        f"layers and method as above, every function with DATA_SOURCE=IoTSiteWise. SiteWise demo account built in "
        f"{built_s:.0f} s: {account}. Widgets show pump 1's model (`<pump fleet model id>_<pump 1 asset id>`, "
        "trained three times, inference running), with the dashboard's time range the case's."
        + (f" For this Python: {', '.join(notes)}." if notes else ""),
        "",
        "*Cold* is a new container's first render (a fresh fork: no container, no client, nothing cached by the "
        "source, as after `reset_container()`), *warm* the render after it in that container, a refresh "
        f"{SITEWISE_REFRESH_S:.0f} s later (the caches' clock moved on: listings kept for one dashboard's render "
        "have expired, what never changes is still kept). SiteWise calls are the fake's count of requests; S3 "
        "calls every S3 request of the cold render. The fake lists in the order things were recorded, oldest "
        "first, unless a case says otherwise.",
        "",
        "| widget | case | MemorySize | import CPU | imports at first render | cold render CPU (wall) "
        "| projected cold start | warm CPU (wall) | peak memory | response | rows | SiteWise calls cold / warm "
        "| S3 calls |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in ordered:
        later = f"{_ms(m.later_imports_cpu_s)} ({', '.join(m.later_imports)})" if m.later_imports else "-"
        lines.append(
            f"| {m.widget} | {m.case} | {m.memory_mb} MB | {_ms(m.import_cpu_s)} | {later} | "
            f"{_ms(m.first_cpu_s)} ({_ms(m.first_s)}) | {m.projected_s:.2f} s | "
            f"{_ms(m.warm_cpu_s)} ({_ms(m.warm_s)}) | {m.peak_bytes / 2**20:,.1f} MiB | {_kb(m.response_bytes)} | "
            f"{m.rows or '-'} | "
            f"{m.service_calls} / {m.warm_service_calls} | {m.s3_calls} |"
        )
    lines += ["", "## SiteWise calls by operation", "", "| widget | case | cold | warm |", "|---|---|---|---|"]
    lines += [
        f"| {m.widget} | {m.case} | {_operations(m.first_operations)} | {_operations(m.warm_operations)} |"
        for m in ordered
    ]
    lines += [
        "",
        "## Targets",
        "",
        "Warm render times are judged on CPU, less what the fake and moto spend answering, as the cold "
        "projection is; wall times beside.",
        *_verdict_tables(sitewise_verdicts(ordered)),
        "",
    ]
    return "\n".join(lines)
