"""The Markdown report: a section per source, merged into the previous report."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tools.bench.cases import (
    FLEET_LATEST_PAGE,
    PUBLISHER,
    SITEWISE_FLEET_CASES,
    SITEWISE_REFRESH_S,
    SITEWISE_WIDGETS,
    SOURCES,
    fleet_case_of,
)
from tools.bench.layers import HOST_PLATFORM
from tools.bench.verdicts import (
    COLD_START_TARGET_S,
    FULL_VCPU_STEP_MB,
    MAX_MEMORY_MB,
    MEMORY_STEP_MB,
    MIN_MEMORY_MB,
    PRICE_PER_GB_SECOND,
    PRICE_PER_REQUEST,
    Verdict,
    _kb,
    _ms,
    _operations,
    _target_lines,
    cost_per_thousand_views,
    memory_for,
    projected_cold_start,
    sitewise_verdicts,
)

if TYPE_CHECKING:
    from tools.bench.measure import Measure

SECTION_TITLES = {"lookout": "# Benchmark: Lookout for Equipment", "sitewise": "# Benchmark: AWS IoT SiteWise"}


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
    from tools import bench

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
        bench.__doc__.split("\n", 2)[2].strip(),
        "",
    ]
    return "\n".join(lines)


def _verdict_tables(groups: Mapping[str, Sequence[Verdict]]) -> list[str]:
    lines = []
    for name, verdicts in groups.items():
        lines += ["", f"### {name}", "", "| target | measured | limit | met | why not |", "|---|---|---|---|---|"]
        lines += [
            f"| {v.target} | {v.measured} | {v.limit} | {'met' if v.met else 'NOT met'} | {v.why} |" for v in verdicts
        ]
    return lines


def _fleet_lines(measures: Sequence[Measure]) -> list[str]:
    """The fleet cases by size, view and widget: calls cold and warm by operation, response, CPU."""
    cases = [(m, case) for m in measures if (case := fleet_case_of(m.widget, m.case))]
    cases.sort(key=lambda pair: (pair[1].fleet_assets, SITEWISE_FLEET_CASES.index(pair[1]), pair[0].case))
    fleet = [m for m, _ in cases]
    if not fleet:
        return []
    lines = [
        "",
        "## Fleets",
        "",
        "One model bound at asset-model level, run on every asset of its asset model, added to the demo for its "
        "cases (and removed after): the list widgets' folded list (the fleet one row), and its assets' first and "
        "last page and a filtered page, in a widget 900 px high; then the publisher's run five minutes before the "
        "demo's now publishes the fleet's results so far (three hours of five-minute results per running asset, "
        "`AnomalousPrediction` and `AnomalyScore`), its steady run at now adds the last one, and `fleet-heatmap` "
        "(1,200 × 900 px) shows the last day. The fake answers 250 items per list page (AWS's) and "
        f"BatchGetAssetPropertyValue all {FLEET_LATEST_PAGE} entries of a request in one page (AWS documents 128 "
        "entries per request, not the entries per answer: an assumption). CloudWatch is moto's; its GetMetricData "
        "is given each query's metric alone (moto scans every datapoint per query and period), the same answer.",
        "",
        "| widget | case | rows | SiteWise calls cold / warm | cold calls by operation | warm calls by operation "
        "| CloudWatch calls cold / warm | response | cold render CPU | warm CPU |",
        "|---|---|---:|---:|---|---|---|---:|---:|---:|",
    ]
    lines += [
        f"| {m.widget} | {m.case} | {m.rows or '-'} | {m.service_calls} / {m.warm_service_calls} | "
        f"{_operations(m.first_operations)} | {_operations(m.warm_operations)} | "
        f"{_operations(m.metric_operations)} / {_operations(m.warm_metric_operations)} | {_kb(m.response_bytes)} | "
        f"{_ms(m.first_cpu_s)} | {_ms(m.warm_cpu_s)} |"
        for m in fleet
    ]
    return lines


def _publisher_lines(measures: Sequence[Measure]) -> list[str]:
    """The publisher's steady run on each fleet: its calls by service and operation, and its CPU."""
    from lookout_dashboards.config import load_settings

    runs = [m for m in measures if m.widget == PUBLISHER]
    if not runs:
        return []
    lines = [
        "",
        "## Fleet metrics publisher",
        "",
        "`publish-metrics` on the fleet above, through the handler's functions (`fleet_reader`, `fleet_publisher`, "
        "`publish_fleets`, chunks published inline): after a run five minutes earlier, the scheduled run in a new "
        "container (a fork with a new boto3 session and container) publishes one new five-minute result per "
        "running asset (the stopped ones have none). It lists the account's models (the demo's other models "
        f"too) but publishes this fleet alone, with METRIC_DETAIL={load_settings().metric_detail} (the stack "
        "template's default). CPU as above, median of three "
        "containers; *projected* adds the handler's import from the built layers at the template's MemorySize.",
        "",
        "| case | MemorySize | import CPU | run CPU (wall) | projected | results | SiteWise calls | by operation "
        "| CloudWatch calls | S3 calls (GetObject) |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|---:|",
    ]
    lines += [
        f"| {m.case} | {m.memory_mb} MB | {_ms(m.import_cpu_s)} | {_ms(m.first_cpu_s)} ({_ms(m.first_s)}) | "
        f"{m.projected_s:.2f} s | {m.rows:,} | {m.service_calls} | {_operations(m.first_operations)} | "
        f"{_operations(m.metric_operations)} | {m.s3_calls} ({m.s3_reads}) |"
        for m in runs
    ]
    return lines


def _sitewise_report(
    measures: Sequence[Measure], size_name: str, built_s: float, account: str, notes: Sequence[str]
) -> str:
    ordered = sorted(
        (m for m in measures if m.widget != PUBLISHER), key=lambda m: SITEWISE_WIDGETS.index(m.widget)
    )  # the publisher has a table of its own
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
        if not fleet_case_of(m.widget, m.case)  # in their own table below
    ]
    lines += _fleet_lines(measures)
    lines += _publisher_lines(measures)
    lines += [
        "",
        "## Targets",
        "",
        "Warm render times are judged on CPU, less what the fake and moto spend answering, as the cold "
        "projection is; wall times beside.",
        *_verdict_tables(sitewise_verdicts([*ordered, *(m for m in measures if m.widget == PUBLISHER)])),
        "",
    ]
    return "\n".join(lines)
