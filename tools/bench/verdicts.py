"""The targets, the arithmetic of memory and price, and what each measure is judged against."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tools.bench.cases import (
    FLEET_TARGET_ASSETS,
    PUBLISHER,
    PUBLISHER_LIMITS,
    SITEWISE_CASES,
    SITEWISE_DEMO,
    SITEWISE_FLEET_CASES,
    SITEWISE_RUN_HISTORY,
    fleet_case_of,
    publisher_case,
)

if TYPE_CHECKING:
    from tools.bench.measure import Measure

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
SITEWISE_WARM_TARGETS = ("model-anomalies", "scheduler-anomalies")
#: The one call per row the list widgets may make: `inferenceTimerActive` is only read per model and asset.
PER_ROW_ALLOWED = "DescribeComputationModelExecutionSummary"
HEAVY_LIBRARIES = ("numpy", "pandas", "matplotlib")


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


def _calls_verdicts(m: Measure, allowed: int, warm_allowed: int | None = None) -> list[Verdict]:
    """Cold (a new container's first render) calls against `allowed`, warm ones against `warm_allowed` (the same
    if not given); why: the calls made."""
    return [
        Verdict(
            f"`{m.widget}` {m.case}: SiteWise calls, {kind}",
            str(calls),
            f"≤ {limit}",
            calls <= limit,
            "" if calls <= limit else _operations(operations),
        )
        for kind, calls, operations, limit in (
            ("cold", m.service_calls, m.first_operations, allowed),
            ("warm", m.warm_service_calls, m.warm_operations, warm_allowed or allowed),
        )
    ]


def _response_verdict(m: Measure) -> Verdict:
    return Verdict(
        f"`{m.widget}` {m.case}: response",
        _kb(m.response_bytes),
        f"≤ {_kb(RESPONSE_TARGET_BYTES)}",
        m.response_bytes <= RESPONSE_TARGET_BYTES,
    )


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


def _publisher_verdicts(m: Measure) -> list[Verdict]:
    """The steady run's SiteWise, PutMetricData and S3 calls against `PUBLISHER_LIMITS`; why: the calls made."""
    made = {
        "SiteWise calls": (m.service_calls, m.first_operations),
        "PutMetricData calls": (m.metric_operations.get("PutMetricData", 0), m.metric_operations),
        "S3 calls": (m.s3_calls, m.s3_operations),
    }
    return [
        Verdict(
            f"`{m.widget}` {m.case}: {name}",
            str(calls),
            f"≤ {limit}",
            calls <= limit,
            "" if calls <= limit else _operations(operations),
        )
        for name, limit in PUBLISHER_LIMITS.items()
        for calls, operations in [made[name]]
    ]


def sitewise_verdicts(measures: Sequence[Measure]) -> dict[str, list[Verdict]]:
    """The issue's SiteWise targets, by widget: calls, warm CPU, response, list widgets' imports and growth."""
    allowed = {(case.widget, case.case): case.calls_allowed for case in SITEWISE_CASES}
    fleets = {(case.widget, case.case): case for case in SITEWISE_FLEET_CASES}
    groups: dict[str, list[Verdict]] = {}
    for m in measures:
        if m.widget == PUBLISHER:
            if m.case == publisher_case(FLEET_TARGET_ASSETS):
                groups.setdefault("fleet metrics publisher", []).extend(_publisher_verdicts(m))
            continue
        if fleet := fleet_case_of(m.widget, m.case):
            verdicts = groups.setdefault("fleets", [])
            if fleet.calls_allowed:
                verdicts += _calls_verdicts(m, fleet.calls_allowed, fleet.warm_calls_allowed)
            verdicts.append(_response_verdict(m))
            continue
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
            verdicts.append(_response_verdict(m))
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
            many = [
                other
                for other in measures
                if other.widget == m.widget and other.rows > m.rows and (other.widget, other.case) not in fleets
            ]
            if many:
                verdicts += _list_verdicts(m, many[0])
    return {name: verdicts for name, verdicts in groups.items() if verdicts}
