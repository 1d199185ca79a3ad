"""`invoke build` as it runs for Lambda (PyPI wheels, Debian's python3.13): layers ship the runtime's
bytecode, valid whatever the zip's file times, and a rebuild gives the same bytes."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path, PurePosixPath

import pytest
from invoke import Config, Context

import tasks
from tests.functional.test_cold_imports import modules_after_import

#: Building the layers downloads wheels from PyPI and Debian's python3.13 packages.
pytestmark = [pytest.mark.slow, pytest.mark.network]

RUNTIME, ARCHITECTURE = "python3.13", "arm64"
MAGIC_3_13 = (3571).to_bytes(2, "little") + b"\r\n"  # importlib.util.MAGIC_NUMBER of every CPython 3.13
UNCHECKED_HASH = 0b01  # PEP 552 flags: hash-based, source not checked
# What the handler loads here but Lambda does not take from a layer: the runtime's own SDK, and the
# test harness (`local`, the handler module itself, the virtual environment's setuptools hook).
NOT_FROM_LAYERS = {"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "local", "_distutils_hack", "__main__"}


def build(dist: Path) -> dict[str, str]:
    """Run `invoke build` into `dist`; the sha256 it prints per zip."""
    config = Config(runtime_path=str(Path(tasks.__file__).with_name("invoke.yaml")))
    config.load_runtime()
    config["dist"] = str(dist)
    config["run"].update(hide=True, in_stream=False)
    tasks.build(Context(config), runtime=RUNTIME, architecture=ARCHITECTURE)
    return {path.name: tasks.sha256(path) for path in sorted(dist.glob("*.zip"))}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    dist = tmp_path_factory.mktemp("dist")
    return dist, build(dist)


def layer_names(dist: Path) -> dict[str, list[str]]:
    names = {}
    for path in sorted(dist.glob("layer-*.zip")):
        with zipfile.ZipFile(path) as archive:
            names[path.name] = archive.namelist()
    return names


def pyc_header(archive: Path, name: str) -> tuple[bytes, int]:
    with zipfile.ZipFile(archive) as opened:
        header = opened.read(name)[:8]
    return header[:4], int.from_bytes(header[4:8], "little")


def test_every_module_of_the_layers_has_the_runtimes_unchecked_bytecode_beside_it(built) -> None:
    dist, _ = built
    for layer, names in layer_names(dist).items():
        sources = [PurePosixPath(name) for name in names if name.endswith(".py")]
        compiled = {PurePosixPath(name) for name in names if name.endswith(".pyc")}
        expected = {source.parent / "__pycache__" / f"{source.stem}.cpython-313.pyc" for source in sources}
        assert sources, layer
        assert sorted(expected - compiled) == [], layer
        assert sorted(compiled - expected) == [], layer
        for name in sorted(compiled):
            assert pyc_header(dist / layer, str(name)) == (MAGIC_3_13, UNCHECKED_HASH), name


def test_the_layers_ship_every_package_a_chart_handler_imports(built) -> None:
    """So the check above covers what a chart's cold start loads."""
    dist, _ = built
    shipped = {
        PurePosixPath(name).parts[1].split(".")[0]
        for names in layer_names(dist).values()
        for name in names
        if name.endswith((".py", ".so"))
    }
    packages = {name.split(".")[0] for name in modules_after_import("model-anomalies")}
    imported = packages - set(sys.stdlib_module_names) - NOT_FROM_LAYERS
    third_party = {name for name in imported if not name.startswith("l4e_handler_")}

    assert {"matplotlib", "numpy", "lookout_dashboards", "jinja2"} <= third_party
    assert third_party <= shipped, sorted(third_party - shipped)


def test_a_rebuild_gives_the_same_bytes(built, tmp_path: Path) -> None:
    _, first = built
    assert build(tmp_path) == first
