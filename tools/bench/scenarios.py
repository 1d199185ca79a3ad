"""The bench on each demo account: the runs of every case, and the report's section of each source."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from tools.bench.cases import (
    ALL_WIDGETS,
    FIRST_EVER,
    FLEET_HEATMAP,
    FLEET_LATEST_PAGE,
    FLEET_PAGE_SIZE,
    MODEL_WIDGETS,
    PUBLISHER,
    SCHEDULER_OF,
    SCHEDULER_WIDGETS,
    SITEWISE_CASES,
    SITEWISE_DEMO,
    SITEWISE_FLEET_SIZES,
    SITEWISE_MORE_MODELS,
    SITEWISE_REFRESH_S,
    SITEWISE_WIDGETS,
    SOURCES,
    SiteWiseCase,
    fleet_cases,
    fleet_request,
)
from tools.bench.fleet import bench_publisher, indexed_metric_data
from tools.bench.layers import ROOT, runtime_modules, shipped_packages, unzip_layers
from tools.bench.measure import BuiltLayers, Measure, csv_read_and_parse, in_fork, put_objects, render_in_fork
from tools.bench.report import _report, _sitewise_report, merged_report
from tools.cloudformation import function_settings, template_default

LIBRARY = ROOT / "layers" / "lookout-equipment" / "python"


def run_bench(
    size_name: str,
    output: Path | None,
    widgets: tuple[str, ...],
    layer_zips: Sequence[Path],
    notes: Sequence[str] = (),
    sources: Sequence[str] = SOURCES,
    fleet_sizes: Sequence[int] = SITEWISE_FLEET_SIZES,
) -> list[Measure]:
    """Bench each of `sources` on its demo account; its section of `output` is rewritten, the others kept.
    SiteWise's list widgets are measured on a fleet of each of `fleet_sizes` assets."""
    sys.path[:0] = [str(LIBRARY), str(ROOT)]
    measures: list[Measure] = []
    sections: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="l4e-bench-") as scratch:
        layer = unzip_layers(layer_zips, Path(scratch) / "opt")
        built = BuiltLayers(
            layer, runtime_modules(Path(scratch) / "runtime"), shipped_packages(layer), function_settings()
        )
        for source in sources:
            bench_source = {"lookout": _bench_lookout, "sitewise": partial(_bench_sitewise, fleet_sizes)}[source]
            chosen = widgets or {"lookout": ALL_WIDGETS, "sitewise": SITEWISE_WIDGETS}[source]
            found, sections[source] = bench_source(size_name, chosen, built, Path(scratch), notes)
            measures += found
    report = merged_report(output.read_text() if output and output.exists() else "", sections)
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(report)
    print(report)
    return measures


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
        for widget in (widget for widget in chosen if widget in ALL_WIDGETS):
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


def _bench_sitewise(
    fleet_sizes: Sequence[int],
    size_name: str,
    chosen: Sequence[str],
    built: BuiltLayers,
    scratch: Path,
    notes: Sequence[str],
) -> tuple[list[Measure], str]:
    import lookout_dashboards.sources.iot_sitewise  # noqa: F401 - loaded here, a fork's render counts its import
    from local.demo_sitewise import (
        SIZES,
        add_fleet,
        add_fleet_models,
        add_long_running_model,
        remove_fleet,
        sitewise_demo_account,
    )
    from local.fake_sitewise import LATEST_PAGE_SIZE
    from local.widget_events import widget_event
    from lookout_dashboards.config import IOT_SITEWISE
    from lookout_dashboards.fleets import page_size as rows_per_page

    # The metric detail a stack has unless told otherwise (MetricDetail's default), not the demo's.
    environment = {"DATA_SOURCE": IOT_SITEWISE, "METRIC_DETAIL": template_default("MetricDetail")}
    before = os.environ.get("DATA_SOURCE")
    os.environ.update(environment)
    measures: list[Measure] = []
    try:
        started = time.perf_counter()
        with indexed_metric_data(), sitewise_demo_account(SIZES[size_name]) as demo:
            built_s = time.perf_counter() - started
            keys = {"": f"{demo.models['pump-fleet']}_{demo.assets['pump-1']}"}
            keys["long-running"] = add_long_running_model(demo)
            page_size = demo.fake.page_size

            def run(cases: Sequence[SiteWiseCase], fleet_id: str = "") -> None:
                for case in (case for case in cases if case.widget in chosen):
                    params, forms = {case.parameter: keys[case.model]} if case.parameter else {}, {}
                    if case.fleet_view:
                        params, forms = fleet_request(case, fleet_id, rows_per_page(case.height))
                    start = demo.now - timedelta(days=case.days)
                    event = widget_event(params, start=start, end=demo.now, width=1200, height=case.height, forms=forms)
                    written = scratch / f"written-sitewise-{case.widget}.pickle"
                    demo.fake.page_size = case.page_size or page_size
                    demo.fake.latest_page_size = FLEET_LATEST_PAGE if case.fleet_assets else LATEST_PAGE_SIZE
                    render = partial(render_in_fork, later_s=SITEWISE_REFRESH_S)
                    result = render(case.widget, event, demo.fake, built.shipped, written)
                    if result["objects_written"]:  # a model's facts: later containers read them from the bucket
                        put_objects(written)
                        again = render(case.widget, event, demo.fake, built.shipped, written)
                        first_ever = f"{case.case}{FIRST_EVER}"
                        measures.append(built.measure(case.widget, first_ever, result, environment))
                        result = again
                    measures.append(built.measure(case.widget, case.case, result, environment))

            run(SITEWISE_CASES)
            models = len(demo.fake.computation_models)
            for assets in fleet_sizes:  # each on the demo with that fleet only
                fleet = add_fleet(demo, "bench", assets, anomalous=max(2, assets // 50), stopped=max(1, assets // 40))
                cases = fleet_cases(assets)
                run([case for case in cases if case.widget != FLEET_HEATMAP], fleet.model_id)
                if {FLEET_HEATMAP, PUBLISHER} & set(chosen):  # the heatmap reads what the publisher sent
                    measures += bench_publisher(demo, fleet.model_id, assets, built, environment, PUBLISHER in chosen)
                    run([case for case in cases if case.widget == FLEET_HEATMAP], fleet.model_id)
                remove_fleet(demo, "bench")
            add_fleet_models(demo, SITEWISE_MORE_MODELS)
            more = f"demo + {SITEWISE_MORE_MODELS} models"
            run([case._replace(case=more) for case in SITEWISE_CASES if case.case == SITEWISE_DEMO])
            account = (
                f"{len(demo.assets)} assets, {sum(1 for key in demo.fake.points if key[0])} properties with values "
                f"(one-minute sensor history over {demo.size.history_days} days, PT5M results over "
                f"{demo.size.results_days} days), {models} computation models ({len(demo.fake.computation_models)} "
                f"in the `{more}` rows); the fake answers {page_size} items per list page, "
                f"{FLEET_PAGE_SIZE} (AWS's) in the fleet cases and the run history's; the fleet cases' "
                f"BatchGetAssetPropertyValue answers all {FLEET_LATEST_PAGE} entries of a request in one page "
                "(AWS documents no page size for it: an assumption)"
            )
    finally:
        os.environ.pop("DATA_SOURCE")
        if before is not None:
            os.environ["DATA_SOURCE"] = before
    return measures, _sitewise_report(measures, size_name, built_s, account, notes)


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
