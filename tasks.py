"""Build, lint and test tasks (`invoke --list`); defaults come from invoke.yaml."""

from __future__ import annotations

import hashlib
import shlex
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from invoke import Context, task

from tools.deterministic_zip import zip_folders

ROOT = Path(__file__).parent
#: checkov's own virtualenv: its pins (boto3, packaging, networkx) clash with requirements-dev.txt.
CHECKOV_VENV = ROOT / ".venv-checkov"


def function_folders() -> list[Path]:
    """One folder per Lambda function, each with its handler.py."""
    return sorted(path.parent for path in (ROOT / "lambdas").glob("*/handler.py"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def create_layer(c: Context, layer: Mapping[str, Any], output: Path, runtime: str, architecture: str) -> None:
    """Build one layer of invoke.yaml through layers/create-layer.sh, the one way layers are made."""
    include = f"-x {shlex.quote(str(ROOT / layer['include']))} " if layer.get("include") else ""
    packages = " ".join(shlex.quote(package) for package in layer["packages"])
    c.run(
        f"{ROOT / 'layers' / 'create-layer.sh'} -o {shlex.quote(str(output))} "
        f"-r {runtime} -a {architecture} {include}{packages}",
        env={"PYTHON": sys.executable},
    )


@task(help={"runtime": "Lambda runtime, e.g. python3.13", "architecture": "arm64 or x86_64"})
def build(c: Context, runtime: str = "", architecture: str = "") -> None:
    """Write dist/: a zip per function, the two layers and the canary, byte-for-byte reproducible."""
    runtime = runtime or c.config["lambda"]["runtime"]
    architecture = architecture or c.config["lambda"]["architecture"]
    dist = ROOT / c.config.dist
    dist.mkdir(exist_ok=True)
    built = []
    for name, layer in c.config.layers.items():
        output = dist / f"layer-{name}.zip"
        create_layer(c, layer, output, runtime, architecture)
        built.append(output)
    for folder in function_folders():
        built.append(zip_folders(dist / f"function-{folder.name}.zip", [(folder, "")]))
    if any((ROOT / "synthetics").glob("*.py")):
        built.append(zip_folders(dist / "canary-dashboard-snapshot.zip", [(ROOT / "synthetics", "python")]))
    for path in built:
        print(f"{sha256(path)}  {path}")


def checkov(c: Context, requirement: str) -> Path:
    """checkov from CHECKOV_VENV, made (quietly) on first use and again only when `requirement` changes."""
    stamp = CHECKOV_VENV / ".requirement"
    executable = CHECKOV_VENV / "bin" / "checkov"
    if not executable.exists() or not stamp.exists() or stamp.read_text() != requirement:
        venv = shlex.quote(str(CHECKOV_VENV))
        c.run(f"{shlex.quote(sys.executable)} -m venv --clear {venv}", hide=True)
        c.run(
            f"{venv}/bin/python -m pip install --quiet --disable-pip-version-check {shlex.quote(requirement)}",
            hide=True,
        )
        CHECKOV_VENV.mkdir(exist_ok=True)
        stamp.write_text(requirement)
    return executable


@task
def lint(c: Context) -> None:
    """ruff (lint and format) over the code, cfn-lint and checkov (its pin in invoke.yaml) over the templates."""
    c.run("ruff check .")
    c.run("ruff format --check .")
    templates = sorted((ROOT / "cloudformation").glob("**/*.yaml"))
    if templates:
        c.run("cfn-lint " + " ".join(shlex.quote(str(path)) for path in templates))
        # --skip-download: checkov would ask Prisma Cloud's API for its guidelines, which CI cannot reach.
        c.run(
            f"{shlex.quote(str(checkov(c, c.config.checkov)))} --config-file {shlex.quote(str(ROOT / '.checkov.yaml'))}"
            f" --directory {shlex.quote(str(ROOT / 'cloudformation'))} --quiet --compact --skip-download"
        )


@task(help={"args": "extra pytest arguments, e.g. '-k events -x'"})
def test(c: Context, args: str = "") -> None:
    """Run the test suite (offline: moto and the Lookout for Equipment fake)."""
    c.run(f"pytest {args}", pty=False)


@task(
    help={
        "size": "large (the targets' account) or small (a quick check)",
        "output": "where the Markdown table goes",
        "widgets": "comma-separated widget folders; all of them when empty",
        "source": "lookout, sitewise or both: each on its demo account, in its section of the output",
        "fleets": "SiteWise: comma-separated fleet sizes (assets) the list widgets are measured on; none if empty",
    }
)
def bench(
    c: Context,
    size: str = "large",
    output: str = "bench/results.md",
    widgets: str = "",
    source: str = "both",
    fleets: str = "10,100,1000",
) -> None:
    """Cold start from the built layers, render time, memory, calls and response size per widget on the demo account."""
    from tools.bench import HOST_PLATFORM, SOURCES, host_layers, run_bench

    if source not in (*SOURCES, "both"):
        raise SystemExit(f"--source must be one of {', '.join(SOURCES)} or both, not {source!r}")
    zips, notes = host_layers(c.config.layers, lambda layer, zip_path: create_layer(c, layer, zip_path, *HOST_PLATFORM))
    sources = SOURCES if source == "both" else (source,)
    fleet_sizes = tuple(int(assets) for assets in fleets.split(",") if assets)
    run_bench(
        size, ROOT / output, tuple(name for name in widgets.split(",") if name), zips, notes, sources, fleet_sizes
    )


@task(
    help={
        "bucket_prefix": "buckets are <prefix>-<region>, one per region, in the publishing account",
        "regions": "comma-separated regions",
        "version": "the published version, e.g. v1.0.0 (a key prefix segment)",
        "update_readme": "rewrite the README's Launch Stack table",
        "skip_build": "publish what dist/ holds instead of building first",
        "create_buckets": "create missing <prefix>-<region> buckets (your own account only)",
    }
)
def publish(
    c: Context,
    bucket_prefix: str,
    version: str,
    regions: str = "us-east-1,eu-west-1,ap-northeast-2",
    update_readme: bool = False,
    skip_build: bool = False,
    create_buckets: bool = False,
) -> None:
    """Build, upload code and templates to s3://<prefix>-<region>/<solution>/<version>/, print Launch Stack URLs."""
    sys.path.insert(0, str(ROOT / "layers" / "lookout-equipment" / "python"))
    from lookout_dashboards.aws import make_client
    from lookout_dashboards.config import load_settings
    from tools.publish import LambdaPlatform, with_launch_table
    from tools.publish import publish as upload

    if not skip_build:
        build(c)
    settings = load_settings()
    published = upload(
        ROOT / c.config.dist,
        ROOT / "cloudformation",
        bucket_prefix,
        [region.strip() for region in regions.split(",") if region.strip()],
        version,
        lambda region: make_client("s3", replace(settings, region=region)),
        create_buckets=create_buckets,
        platform=LambdaPlatform(c.config["lambda"]["runtime"], c.config["lambda"]["architecture"]),
    )
    for item in published:
        print(f"{item.region}: {item.launch_url}")
    if update_readme:
        readme = ROOT / "README.md"
        readme.write_text(with_launch_table(readme.read_text(), published))


@task(
    help={
        "stack_name": "the stack to create or update",
        "region": "where to deploy",
        "bucket_prefix": "your own artifact buckets, <prefix>-<region> (created when missing)",
        "snapshot_bucket": "the stack's SnapshotBucket parameter",
        "target_email": "the stack's TargetEmail parameter (verified in SES)",
        "snapshot_runs": "Daily, Weekly or None",
        "snapstart": "Enabled or Disabled; on an update, the stack's current value when not given",
        "data_source": (
            "IoTSiteWise or LookoutForEquipment; on an update, the stack's current value when not given"
            " (LookoutForEquipment for a stack made before the choice existed)"
        ),
    }
)
def deploy(
    c: Context,
    stack_name: str,
    region: str,
    bucket_prefix: str,
    snapshot_bucket: str,
    target_email: str,
    snapshot_runs: str = "Weekly",
    snapstart: str = "",
    data_source: str = "",
) -> None:
    """For maintainers with an account: publish to your bucket in one region, then create or update the stack."""
    sys.path.insert(0, str(ROOT / "layers" / "lookout-equipment" / "python"))
    from lookout_dashboards.aws import make_client
    from lookout_dashboards.config import LOOKOUT_FOR_EQUIPMENT, load_settings
    from tools.deploy import build_version, deploy_stack

    settings = replace(load_settings(), region=region)
    build(c)
    version = build_version(stack_name, ROOT / c.config.dist)
    publish(c, bucket_prefix, version, regions=region, skip_build=True, create_buckets=True)
    parameters = {"SnapshotBucket": snapshot_bucket, "TargetEmail": target_email, "SnapshotRuns": snapshot_runs}
    chosen = {name: value for name, value in (("SnapStart", snapstart), ("DataSource", data_source)) if value}
    status = deploy_stack(
        make_client("cloudformation", settings),
        stack_name,
        f"https://{bucket_prefix}-{region}.s3.{region}.amazonaws.com/lookout-equipment-dashboards/{version}/main.yaml",
        {**parameters, **chosen},
        keep=("SnapStart", "CanaryRuntime", "DataSource"),
        # Its dashboards' prefix changes with the source: an older stack stays on the one it had.
        earlier={"DataSource": LOOKOUT_FOR_EQUIPMENT},
    )
    print(f"{stack_name}: {status}")


@task(
    help={
        "port": "port on 127.0.0.1 (0 picks a free one)",
        "open": "open the dashboards list in a browser",
        "source": "demo (default, offline) or aws (your credentials' account, read-only)",
        "allow_actions": "with --source aws, let buttons start, stop, create and delete",
        "screenshots": "save a PNG of every dashboard in this folder, then stop",
    }
)
def preview(
    c: Context,
    port: int = 8050,
    open: bool = False,
    source: str = "demo",
    allow_actions: bool = False,
    screenshots: str = "",
) -> None:
    """Serve the dashboards on http://127.0.0.1:8050/, on the demo account unless told otherwise."""
    import threading
    import webbrowser

    sys.path.insert(0, str(ROOT / "layers" / "lookout-equipment" / "python"))
    from local.preview import aws_console, demo_console, serve, take_screenshots

    if source not in ("demo", "aws"):
        raise SystemExit("--source must be demo or aws")
    console = demo_console() if source == "demo" else aws_console(allow_actions)
    with console as ready_console:
        server = serve(ready_console, port)
        url = f"http://127.0.0.1:{server.server_port}/"
        if screenshots:
            threading.Thread(target=server.serve_forever, daemon=True).start()
            for path in take_screenshots(url, ROOT / screenshots):
                print(f"saved {path.relative_to(ROOT)}")
            server.shutdown()
            return
        if open:
            webbrowser.open(url)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("stopped")


@task(
    help={
        "region": "the region to probe; your profile's when not given",
        "profile": "an AWS profile; the default credentials when not given",
        "model": "probe only this computation model id",
        "max_models": "probe at most this many of the ANOMALY_DETECTION models listed",
    }
)
def probe_sitewise(c: Context, region: str = "", profile: str = "", model: str = "", max_models: int = 5) -> None:
    """Read-only: ask your account what the SiteWise documentation leaves open; print a report for the maintainers."""
    import boto3

    sys.path.insert(0, str(ROOT / "layers" / "lookout-equipment" / "python"))
    from lookout_dashboards.aws import make_client
    from lookout_dashboards.config import load_settings
    from tools.probe_sitewise import probe

    boto3.setup_default_session(profile_name=profile or None)
    region = region or boto3.DEFAULT_SESSION.region_name or ""
    if not region:
        raise SystemExit("No region: pass --region or set one in your profile")
    if boto3.DEFAULT_SESSION.get_credentials() is None:
        raise SystemExit("No AWS credentials: pass --profile or set the usual AWS_* variables")
    client = make_client("iotsitewise", replace(load_settings(), region=region))
    report, _ = probe(client, model_id=model, max_models=max_models)
    print(report.markdown())


@task(help={"size": "small (tests) or large (benchmark)"})
def demo(c: Context, size: str = "small") -> None:
    """Build the offline demo account and print what it holds, read back through the widgets' source."""
    sys.path.insert(0, str(ROOT / "layers" / "lookout-equipment" / "python"))
    from local.demo import SIZES, demo_account
    from lookout_dashboards.aws import make_client
    from lookout_dashboards.sources.lookout_equipment import LookoutEquipmentSource

    with demo_account(SIZES[size]) as account:
        source = LookoutEquipmentSource(make_client("lookoutequipment"), make_client("s3"))
        print(
            f"Demo account ({size}), region {make_client('s3').meta.region_name}, now {account.now:%Y-%m-%d %H:%M} UTC"
        )
        for dataset in source.list_datasets():
            detail = source.get_dataset(dataset.name)
            print(f"  dataset {dataset.name}: {detail.sensor_count} sensors in {len(detail.components)} components")
        for model in source.list_models():
            events = len(source.get_model(model.name).evaluation.events)
            print(f"  model {model.name} ({model.dataset_name}): {model.status.value}, {events} evaluation events")
        for scheduler in source.list_schedulers():
            runs = sum(1 for _ in source.iter_executions(scheduler.name))
            outcome = scheduler.latest_outcome.value if scheduler.latest_outcome else "no result yet"
            print(
                f"  scheduler {scheduler.name} ({scheduler.model_name}): {scheduler.status.value}, "
                f"{runs} executions, latest {outcome}"
            )
