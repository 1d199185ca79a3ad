"""The layers built for this machine, as Lambda lays them out, and a clean import of a handler from them."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from tools.cloudformation import FunctionSettings

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "bench" / "cache"
IMPORT_RUNS = 3
#: What Lambda's Python runtime provides beside the function and its layers.
RUNTIME_MODULES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")
#: The host's runtime and architecture, in create-layer.sh's words.
HOST_PLATFORM = (
    f"python{sys.version_info.major}.{sys.version_info.minor}",
    {"aarch64": "arm64", "arm64": "arm64"}.get(platform.machine(), "x86_64"),
)


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
    _tree_digest(digest, ROOT / "tools", lambda path: path.is_relative_to(Path(__file__).resolve().parent))
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


def shipped_packages(layer: Path) -> set[str]:
    """Top-level names of what a function runs: the layers' packages and the runtime's SDK."""
    return {path.name.removesuffix(".py") for path in layer.iterdir() if not path.name.endswith(".dist-info")} | set(
        RUNTIME_MODULES
    )
