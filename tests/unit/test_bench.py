"""The benchmark's arithmetic and plumbing: projection, memory choice, price, host layers, what it counts."""

from __future__ import annotations

import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

import tools.bench.layers
import tools.bench.measure
import tools.bench.report
import tools.bench.verdicts
from tools.bench import (
    clean_import,
    cost_per_thousand_views,
    host_layers,
    host_packages,
    imports_already_loaded,
    memory_for,
    projected_cold_start,
)
from tools.bench.cases import (
    FLEET_FILTER,
    FLEET_HEATMAP,
    PUBLISHER,
    SITEWISE_DEMO,
    SITEWISE_FLEET_CASES,
    fleet_case_of,
    fleet_cases,
    fleet_request,
    publisher_case,
)
from tools.bench.layers import HOST_PLATFORM
from tools.bench.measure import Measure, table_rows
from tools.bench.report import merged_report
from tools.bench.verdicts import growth_per_row, sitewise_verdicts
from tools.cloudformation import FunctionSettings, function_settings

ROOT = Path(__file__).resolve().parents[2]


def test_cold_start_stretches_below_a_full_vcpu_only() -> None:
    assert projected_cold_start(0.5, 512) == pytest.approx(0.5 * 1769 / 512)
    assert projected_cold_start(0.5, 1769) == 0.5
    assert projected_cold_start(0.5, 3008) == 0.5


@pytest.mark.parametrize("cpu_s", [0.05, 0.3, 0.9, 1.2, 1.5])
def test_memory_is_the_smallest_64_mb_step_within_the_target(cpu_s: float) -> None:
    memory = memory_for(cpu_s)

    assert memory is not None and (memory - 128) % 64 == 0
    assert projected_cold_start(cpu_s, memory) <= 1.5
    assert memory == 128 or projected_cold_start(cpu_s, memory - 64) > 1.5


def test_no_memory_helps_past_one_vcpu() -> None:
    """Lambda's Python runs one thread: past 1,769 MB more memory does not shorten the CPU time."""
    assert memory_for(1.51) is None
    assert memory_for(1.5) == 1792  # 1,728 MB gives 1.54 s


def test_price_of_a_thousand_views() -> None:
    assert cost_per_thousand_views(1024, 1.0) == pytest.approx(1000 * (0.0000133334 + 0.20e-6))
    assert cost_per_thousand_views(1024, 0.0001) == cost_per_thousand_views(1024, 0.001)  # billed by the ms


def test_below_a_full_vcpu_memory_costs_about_the_same() -> None:
    cpu_s = 0.8
    small, large = (cost_per_thousand_views(memory, projected_cold_start(cpu_s, memory)) for memory in (512, 1536))
    assert large == pytest.approx(small, rel=0.01)


def test_host_layer_takes_the_installed_version_where_the_pin_differs() -> None:
    installed = {"numpy": "2.4.6", "pandas": "3.1.1"}.get

    chosen, changed = host_packages(["pandas==3.1.1", "numpy==2.5.5", "six==1.17.0", "jinja2>=3"], installed)

    assert chosen == ["pandas==3.1.1", "numpy==2.4.6", "six==1.17.0", "jinja2>=3"]
    assert changed == ["numpy 2.4.6 (Lambda's layer: 2.5.5)"]


def fake_create_layer(built: list[str]):
    def build(layer, output: Path) -> None:
        built.append(" ".join(layer["packages"]))
        with zipfile.ZipFile(output, "w") as archive:
            archive.writestr("python/marker.txt", " ".join(layer["packages"]))

    return build


def test_host_layers_are_built_once_until_their_inputs_change(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(tools.bench.layers, "CACHE", tmp_path / "cache")
    library = tmp_path / "library"
    library.mkdir()
    (library / "module.py").write_text("VALUE = 1\n")
    layers = {
        "library": {"include": str(library), "packages": ["jinja2==3.1.6"]},
        "science": {"packages": ["numpy==2.5.5"]},
    }
    built: list[str] = []
    installed = {"numpy": "2.4.6"}.get

    zips, changed = host_layers(layers, fake_create_layer(built), installed)
    again, _ = host_layers(layers, fake_create_layer(built), installed)

    assert built == ["jinja2==3.1.6", "numpy==2.4.6"] and again == zips
    assert [zipfile.ZipFile(path).read("python/marker.txt") for path in zips] == [b"jinja2==3.1.6", b"numpy==2.4.6"]
    assert changed == ["numpy 2.4.6 (Lambda's layer: 2.5.5)"]

    (library / "module.py").write_text("VALUE = 2\n")
    rebuilt, _ = host_layers(layers, fake_create_layer(built), installed)

    assert built[2:] == ["jinja2==3.1.6"] and rebuilt[1] == zips[1] and rebuilt[0] != zips[0]
    assert sorted(path.name for path in (tmp_path / "cache").iterdir()) == sorted(path.name for path in rebuilt)


def write_function(folder: Path, source: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "handler.py").write_text(source)
    return folder


def test_clean_import_loads_the_handler_from_the_layer_only(tmp_path: Path) -> None:
    layer, runtime = tmp_path / "opt" / "python", tmp_path / "runtime"
    layer.mkdir(parents=True)
    runtime.mkdir()
    (layer / "layered.py").write_text("import os\nWHERE = os.environ['CONFIG_DIR']\n")
    (layer / "later.py").write_text("")
    function = write_function(tmp_path / "function", "import layered\n")

    result = clean_import(function, layer, runtime, FunctionSettings(256, {"CONFIG_DIR": "/tmp/config"}), ["later"])

    assert result["chart"] is False and result["import_cpu_s"] >= 0 and result["later_imports_cpu_s"] >= 0


def test_clean_import_refuses_a_module_from_outside_the_layers(tmp_path: Path) -> None:
    """The check that numpy or matplotlib come from the built layer can fail."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "stray.py").write_text("")
    layer, runtime = tmp_path / "opt" / "python", tmp_path / "runtime"
    layer.mkdir(parents=True)
    runtime.mkdir()
    function = write_function(tmp_path / "function", f"import sys\nsys.path.append({str(elsewhere)!r})\nimport stray\n")

    with pytest.raises(RuntimeError, match="stray"):
        clean_import(function, layer, runtime, FunctionSettings(256, {}))


def test_new_container_tmp_replaces_lambdas_tmp_only() -> None:
    assert tools.bench.layers._in_tmp("/tmp/matplotlib", "/scratch/x") == "/scratch/x/matplotlib"
    assert tools.bench.layers._in_tmp("/tmpfs/other", "/scratch/x") == "/tmpfs/other"
    assert tools.bench.layers._in_tmp("Lookout", "/scratch/x") == "Lookout"


def test_imports_already_loaded_are_those_shipped_code_asks_for() -> None:
    shipped = {__name__.partition(".")[0]}
    preloaded = {"json", "email", "email.mime", "base64"}

    with imports_already_loaded(preloaded, shipped) as found:
        import csv  # noqa: F401 - not in `preloaded`: a fork pays for it in its render already
        import json  # noqa: F401
        from email import mime  # noqa: F401

        exec("import base64", {"__name__": "moto.core"})  # noqa: S102 - code that does not ship

    assert found == {"json", "email", "email.mime"}


def test_every_function_of_the_template_has_its_memory_and_literal_settings() -> None:
    settings = function_settings()

    assert set(settings) == {path.parent.name for path in (ROOT / "lambdas").glob("*/handler.py")}
    assert all(128 <= item.memory_mb <= 10240 for item in settings.values())
    assert settings["model-anomalies"].environment.get("MPLCONFIGDIR", "/tmp").startswith("/tmp")
    assert all(isinstance(value, str) for item in settings.values() for value in item.environment.values())


def test_function_settings_follow_the_code_key(tmp_path: Path) -> None:
    template = tmp_path / "functions.yaml"
    template.write_text(
        "Resources:\n"
        "  ChartFunction:\n"
        "    Type: AWS::Lambda::Function\n"
        "    Properties:\n"
        "      MemorySize: 640\n"
        '      Code: {S3Bucket: !Ref Bucket, S3Key: !Sub "${CodePrefix}/function-my-chart.zip"}\n'
        "      Environment:\n"
        "        Variables: {MPLCONFIGDIR: /tmp/matplotlib, STACK_NAME: !Ref RootStackName}\n"
        "  Logs:\n"
        "    Type: AWS::Logs::LogGroup\n"
    )

    assert function_settings(template) == {"my-chart": FunctionSettings(640, {"MPLCONFIGDIR": "/tmp/matplotlib"})}


def test_host_platform_names_this_python() -> None:
    runtime, architecture = HOST_PLATFORM
    assert runtime == f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert architecture in ("x86_64", "arm64")


def measure(widget: str, case: str = "new container", **figures) -> Measure:
    defaults = dict(
        memory_mb=1024,
        chart=True,
        import_cpu_s=0.4,
        later_imports=("boto3",),
        later_imports_cpu_s=0.3,
        first_cpu_s=0.2,
        first_s=0.25,
        warm_s=0.1,
        warm_cpu_s=0.08,
        peak_bytes=2**20,
        response_bytes=60 * 1024,
        service_calls=2,
        s3_reads=1,
        bytes_written=0,
        objects_written=0,
    )
    return Measure(widget=widget, case=case, **{**defaults, **figures})


def test_targets_say_met_or_not_with_the_number() -> None:
    measures = [
        measure("model-anomalies", "first render ever", first_cpu_s=0.5, csv_parse_s=0.2, objects_written=3),
        measure("model-anomalies", import_cpu_s=0.6),
        measure("list-models", chart=False, import_cpu_s=0.1, memory_mb=256, response_bytes=200 * 1024),
    ]

    lines = tools.bench.verdicts._target_lines(measures, None)

    assert "- `model-anomalies` (a chart) import CPU from the built layer: 600 ms (target ≤ 500 ms): NOT met" in lines
    assert "- `list-models` import CPU from the built layer: 100 ms (target ≤ 150 ms): met" in lines
    # (0.6 + 0.3 + 0.2) s × 1769 / 1024 = 1.90 s
    assert "- `model-anomalies` projected cold start at 1024 MB: 1.90 s (target ≤ 1.50 s): NOT met" in lines
    assert any(
        "first render ever CPU, against 200 ms of CSV read + parse" in line
        and "500 ms (target ≤ 400 ms): NOT met" in line
        for line in lines
    )
    assert "- `list-models` response (new container): 200.0 KB (target ≤ 150.0 KB): NOT met" in lines


def test_memory_table_gives_the_memory_and_price_or_says_none_helps() -> None:
    fast = measure("list-models", import_cpu_s=0.1, later_imports_cpu_s=0.2, first_cpu_s=0.1, memory_mb=256)
    slow = measure("model-anomalies", import_cpu_s=1.0, later_imports_cpu_s=0.4, first_cpu_s=0.2)

    rows = tools.bench.report._memory_lines([fast, slow])

    assert rows[2].startswith(f"| list-models | 256 MB | 2.76 s | {memory_for(0.4)} MB | ")
    assert rows[3].startswith(
        "| model-anomalies | 1024 MB | 2.76 s | none: 1792 MB is one full vCPU, the most it gets | 1.60 s |"
    )


def test_a_sources_section_replaces_its_own_and_keeps_the_others() -> None:
    previous = "# Benchmark: Lookout for Equipment\nold L4E\n\n# Benchmark: AWS IoT SiteWise\nold SiteWise\n"

    report = merged_report(previous, {"sitewise": "# Benchmark: AWS IoT SiteWise\nnew SiteWise"})

    assert report == "# Benchmark: Lookout for Equipment\nold L4E\n\n# Benchmark: AWS IoT SiteWise\nnew SiteWise\n"
    assert merged_report("", {"lookout": "# Benchmark: Lookout for Equipment\nL4E"}).count("# Benchmark") == 1


def test_list_rows_are_counted_in_the_table_body_only() -> None:
    html = "<table><thead><tr><th>a</th></tr></thead><tbody>\n<tr><td>1</td></tr>\n<tr><td>2</td></tr></tbody>"

    assert table_rows(html) == 2 and table_rows("<svg></svg>") == 0


def sitewise_list(rows: int, per_row: dict[str, int], pages: int) -> Measure:
    operations = {"ListComputationModels": pages, **{op: count * rows for op, count in per_row.items()}}
    return measure(
        "list-schedulers",
        SITEWISE_DEMO if rows < 10 else "demo + 60 models",
        chart=False,
        import_cpu_s=0.07,
        later_imports=("boto3", "lookout_dashboards"),
        rows=rows,
        first_operations=operations,
        warm_operations=operations,
    )


def test_list_calls_may_grow_per_row_by_the_summary_call_only() -> None:
    summary = {"DescribeComputationModelExecutionSummary": 1}
    few, many = sitewise_list(4, summary, 1), sitewise_list(64, summary, 2)

    assert growth_per_row(few, many, warm=True) == {
        "DescribeComputationModelExecutionSummary": 1.0,
        "ListComputationModels": pytest.approx(1 / 60),
    }
    verdicts = sitewise_verdicts([few, many])["list widgets"]
    assert all(verdict.met for verdict in verdicts)

    few, many = (
        sitewise_list(4, {**summary, "ListExecutions": 1}, 1),
        sitewise_list(64, {**summary, "ListExecutions": 1}, 2),
    )
    growth = [v for v in sitewise_verdicts([few, many])["list widgets"] if "per row" in v.target]
    assert [v.met for v in growth] == [False, False]
    assert all(v.why == "ListExecutions: 1.00 per row" for v in growth)


def test_list_first_render_importing_numpy_is_not_met() -> None:
    heavy = replace(sitewise_list(4, {}, 1), later_imports=("boto3", "numpy"))

    verdict = next(v for v in sitewise_verdicts([heavy])["list widgets"] if "first render's imports" in v.target)

    assert not verdict.met and verdict.why == "the render imports numpy"


def test_sitewise_calls_are_judged_cold_and_warm_and_say_which_calls_were_made() -> None:
    anomalies = measure(
        "model-anomalies",
        "pump 1, last 7 days",
        service_calls=4,
        warm_service_calls=2,
        first_operations={
            "DescribeComputationModel": 1,
            "DescribeAsset": 1,
            "ListExecutions": 1,
            "GetAssetPropertyAggregates": 1,
        },
        warm_operations={"ListExecutions": 1, "GetAssetPropertyAggregates": 1},
        warm_cpu_s=0.4,
    )

    cold, warm, cpu, size = sitewise_verdicts([anomalies])["`model-anomalies`"]

    assert (cold.met, cold.measured, cold.limit) == (False, "4", "≤ 2")
    assert cold.why == "DescribeComputationModel 1, DescribeAsset 1, ListExecutions 1, GetAssetPropertyAggregates 1"
    assert warm.met and not cpu.met and cpu.measured == "400 ms" and size.met


def test_fleet_cases_ask_each_list_widget_for_the_folded_list_and_three_pages_of_assets_then_the_heatmap() -> None:
    cases = {(case.widget, case.fleet_view): case for case in fleet_cases(1_000)}
    heatmap = cases.pop((FLEET_HEATMAP, "heatmap"))

    assert len(cases) == 8 and {case.page_size for case in cases.values()} == {250}
    assert fleet_request(cases[("list-models", "list")], "cm-1", 19) == ({}, {})
    assert fleet_request(cases[("list-models", "first")], "cm-1", 19) == ({"fleet": "cm-1", "page": 0}, {})
    assert fleet_request(cases[("list-schedulers", "last")], "cm-1", 19) == ({"fleet": "cm-1", "page": 52}, {})
    assert fleet_request(cases[("list-models", "filter")], "cm-1", 19) == (
        {"fleet": "cm-1", "page": 0},
        {"filter": FLEET_FILTER},
    )
    assert fleet_request(fleet_cases(10)[2], "cm-1", 19)[0]["page"] == 0  # one page: the first is the last
    assert {(case.calls_allowed, case.warm_calls_allowed) for case in cases.values()} == {(60, 40)}
    assert {(case.calls_allowed, case.warm_calls_allowed) for case in fleet_cases(100)} == {(None, None)}
    assert fleet_request(heatmap, "cm-1", 19) == ({"fleet": "cm-1"}, {})
    assert (heatmap.calls_allowed, heatmap.warm_calls_allowed, heatmap.days) == (10, 10, 1)
    assert fleet_case_of(FLEET_HEATMAP, f"{heatmap.case}, first render ever") == heatmap
    assert fleet_case_of(FLEET_HEATMAP, "demo") is None


def fleet_measure(assets: int, cold: int, warm: int, response_kb: int) -> Measure:
    case = next(c for c in SITEWISE_FLEET_CASES if c.fleet_assets == assets and c.fleet_view == "last")
    return measure(
        case.widget,
        case.case,
        chart=False,
        rows=19,
        service_calls=cold,
        warm_service_calls=warm,
        first_operations={"BatchGetAssetPropertyValue": cold - 4, "ListAssets": 4},
        warm_operations={"BatchGetAssetPropertyValue": warm},
        response_bytes=response_kb * 1024,
    )


def test_fleet_verdicts_judge_calls_at_a_thousand_assets_and_every_response() -> None:
    small, large = fleet_measure(100, 90, 90, 20), fleet_measure(1_000, 67, 40, 160)
    demo = sitewise_list(4, {}, 1)

    verdicts = sitewise_verdicts([demo, small, large])
    fleets = verdicts["fleets"]

    assert [(v.target.rpartition(": ")[2], v.measured, v.limit, v.met) for v in fleets] == [
        ("response", "20.0 KB", "≤ 150.0 KB", True),
        ("SiteWise calls, cold", "67", "≤ 60", False),
        ("SiteWise calls, warm", "40", "≤ 40", True),
        ("response", "160.0 KB", "≤ 150.0 KB", False),
    ]
    assert fleets[1].why == "BatchGetAssetPropertyValue 63, ListAssets 4"
    assert not any("per row" in v.target for v in verdicts["list widgets"])  # a fleet's page is not more rows


def test_fleet_table_lists_each_size_and_view_once() -> None:
    lines = tools.bench.report._fleet_lines([fleet_measure(1_000, 67, 40, 160), fleet_measure(10, 8, 5, 12)])

    rows = [line for line in lines if line.startswith("| list-")]
    assert rows[0].startswith("| list-models | fleet of 10: assets, last page | 19 | 8 / 5 |")
    assert (
        "| BatchGetAssetPropertyValue 63, ListAssets 4 | BatchGetAssetPropertyValue 40 | - / - | 160.0 KB |" in rows[1]
    )
    assert tools.bench.report._fleet_lines([sitewise_list(4, {}, 1)]) == []


def heatmap_measure(assets: int, cold: int, case_suffix: str = "") -> Measure:
    [case] = [c for c in SITEWISE_FLEET_CASES if c.fleet_assets == assets and c.widget == FLEET_HEATMAP]
    return measure(
        FLEET_HEATMAP,
        case.case + case_suffix,
        chart=False,
        service_calls=cold,
        warm_service_calls=1,
        first_operations={"DescribeComputationModel": 1, "ListAssets": cold - 1},
        warm_operations={"ListAssets": 1},
        metric_operations={"GetMetricData": 2, "ListDashboards": 1},
        warm_metric_operations={"GetMetricData": 2, "ListDashboards": 1},
        response_bytes=90 * 1024,
    )


def test_the_heatmap_is_judged_at_a_thousand_assets_its_first_render_ever_too_and_its_metric_calls_shown() -> None:
    first, again = heatmap_measure(1_000, 12, ", first render ever"), heatmap_measure(1_000, 5)

    fleets = sitewise_verdicts([first, again, heatmap_measure(100, 30)])["fleets"]
    lines = tools.bench.report._fleet_lines([again, first])

    assert [(v.measured, v.limit, v.met) for v in fleets if "SiteWise calls" in v.target] == [
        ("12", "≤ 10", False),
        ("1", "≤ 10", True),
        ("5", "≤ 10", True),
        ("1", "≤ 10", True),
    ]
    assert fleets[0].why == "ListAssets 11, DescribeComputationModel 1"
    rows = [line for line in lines if line.startswith(f"| {FLEET_HEATMAP}")]
    assert [row.split(" | ")[1] for row in rows] == [again.case, first.case]
    assert "| GetMetricData 2, ListDashboards 1 / GetMetricData 2, ListDashboards 1 |" in rows[0]


def publisher_measure(assets: int, sitewise: int, puts: int, s3: int) -> Measure:
    return measure(
        PUBLISHER,
        publisher_case(assets),
        chart=False,
        memory_mb=512,
        service_calls=sitewise,
        first_operations={"BatchGetAssetPropertyValueHistory": sitewise - 4, "ListComputationModels": 4},
        metric_operations={"PutMetricData": puts},
        s3_calls=s3,
        s3_reads=3,
        rows=975,
    )


def test_the_publisher_is_judged_at_a_thousand_assets_on_each_service_and_has_a_table_of_its_own() -> None:
    measures = [publisher_measure(10, 15, 1, 4), publisher_measure(1_000, 130, 2, 12)]

    verdicts = sitewise_verdicts(measures)["fleet metrics publisher"]
    report = tools.bench.report._sitewise_report(measures, "large", 1.0, "an account", ())

    assert [(v.target.rpartition(": ")[2], v.measured, v.limit, v.met) for v in verdicts] == [
        ("SiteWise calls", "130", "≤ 120", False),
        ("PutMetricData calls", "2", "≤ 60", True),
        ("S3 calls", "12", "≤ 10", False),
    ]
    assert verdicts[0].why == "BatchGetAssetPropertyValueHistory 126, ListComputationModels 4"
    table = report.partition("## Fleet metrics publisher")[2].partition("## Targets")[0]
    assert [line.split(" | ")[0] for line in table.splitlines() if line.startswith("| fleet")] == [
        f"| {publisher_case(10)}",
        f"| {publisher_case(1_000)}",
    ]
    assert (
        "| 975 | 130 | BatchGetAssetPropertyValueHistory 126, ListComputationModels 4 | PutMetricData 2 | 12 (3) |"
        in table
    )
    assert PUBLISHER not in report.partition("## SiteWise calls by operation")[0]  # not among the widgets
