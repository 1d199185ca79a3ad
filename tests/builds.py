"""The build as tests use it: the functions zipped as `invoke build` zips them, with stand-in layers, and which
functions draw charts (the ones SnapStart snapshots and the data-science layer serves)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from tools.deterministic_zip import zip_folders

ROOT = Path(__file__).resolve().parents[1]
CHART_WIDGETS = {"model-anomalies", "model-signal-importance", "model-importance-evolution"} | {
    "scheduler-last-diagnostics",
    "scheduler-anomalies",
}


def fake_dist(folder: Path) -> Path:
    """The functions as `invoke build` zips them; stand-in layers (building real ones needs PyPI)."""
    for handler in sorted((ROOT / "lambdas").glob("*/handler.py")):
        zip_folders(folder / f"function-{handler.parent.name}.zip", [(handler.parent, "")])
    zip_folders(folder / "canary-dashboard-snapshot.zip", [(ROOT / "synthetics", "python")])
    for layer in ("layer-lookout-equipment", "layer-data-science"):
        with zipfile.ZipFile(folder / f"{layer}.zip", "w") as archive:
            archive.writestr("python/placeholder.py", "")
    return folder
