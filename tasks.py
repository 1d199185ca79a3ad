"""Build, lint and test tasks (`invoke --list`); defaults come from invoke.yaml."""

from __future__ import annotations

import hashlib
import shlex
import sys
from pathlib import Path

from invoke import Context, task

from tools.deterministic_zip import zip_folders

ROOT = Path(__file__).parent


def function_folders() -> list[Path]:
    """One folder per Lambda function, each with its handler.py."""
    return sorted(path.parent for path in (ROOT / "lambdas").glob("*/handler.py"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
        include = f"-x {shlex.quote(str(ROOT / layer['include']))} " if layer.get("include") else ""
        packages = " ".join(shlex.quote(package) for package in layer["packages"])
        c.run(
            f"{ROOT / 'layers' / 'create-layer.sh'} -o {shlex.quote(str(output))} "
            f"-r {runtime} -a {architecture} {include}{packages}",
            env={"PYTHON": sys.executable},
        )
        built.append(output)
    for folder in function_folders():
        built.append(zip_folders(dist / f"function-{folder.name}.zip", [(folder, "")]))
    if any((ROOT / "synthetics").glob("*.py")):
        built.append(zip_folders(dist / "canary-dashboard-snapshot.zip", [(ROOT / "synthetics", "python")]))
    for path in built:
        print(f"{sha256(path)}  {path.relative_to(ROOT)}")


@task
def lint(c: Context) -> None:
    """ruff (lint and format) over the code, cfn-lint over the templates."""
    c.run("ruff check .")
    c.run("ruff format --check .")
    templates = sorted((ROOT / "cloudformation").glob("**/*.yaml"))
    if templates:
        c.run("cfn-lint " + " ".join(shlex.quote(str(path)) for path in templates))


@task(help={"args": "extra pytest arguments, e.g. '-k events -x'"})
def test(c: Context, args: str = "") -> None:
    """Run the test suite (offline: moto and the Lookout for Equipment fake)."""
    c.run(f"pytest {args}", pty=False)
