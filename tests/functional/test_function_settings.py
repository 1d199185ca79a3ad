"""A deployed widget fails at init when its template left a variable out; local runs keep the demo's values."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from local.widget_events import LAMBDAS, load_handler
from lookout_dashboards.config import (
    DEMO_BUCKET,
    FUNCTION_VARIABLES,
    LAMBDA_MARKER,
    MissingSettingsError,
    load_settings,
)
from tools.cloudformation import CloudFormationLoader

ROOT = Path(__file__).resolve().parents[2]
WIDGETS = sorted(FUNCTION_VARIABLES)
#: Functions that stop at init without a setting; `cleanup` instead answers CloudFormation with the reason.
STOPPED_AT_INIT = [*WIDGETS, "process-snapshot"]


def template_variables(folder: str) -> dict[str, object]:
    """The environment `cloudformation/functions.yaml` gives the function built from `lambdas/<folder>`."""
    template = yaml.load((ROOT / "cloudformation/functions.yaml").read_text(), Loader=CloudFormationLoader)  # noqa: S506
    [function] = [
        item["Properties"]
        for item in template["Resources"].values()
        if item["Type"] == "AWS::Lambda::Function" and item["Properties"]["FunctionName"][1].endswith(f"-{folder}")
    ]
    return function["Environment"]["Variables"]


def initialise(folder: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import the handler anew, as Lambda's init does (`load_handler` keeps its first import)."""
    name = f"l4e_init_{folder.replace('-', '_')}"
    spec = importlib.util.spec_from_file_location(name, LAMBDAS / folder / "handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("folder", [*STOPPED_AT_INIT, "cleanup"])
def test_each_function_requires_exactly_what_its_template_sets(folder: str) -> None:
    required = load_handler(folder).REQUIRED_SETTINGS

    assert len(set(required)) == len(required)
    assert set(required) == set(template_variables(folder))


@pytest.mark.parametrize("folder", STOPPED_AT_INIT)
def test_in_lambda_a_missing_variable_stops_the_init_and_is_named(folder: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LAMBDA_MARKER, f"l4e-dashboards-{folder}")
    for variable in template_variables(folder):
        monkeypatch.setenv(variable, f"set-by-the-template-{variable.lower()}")
    started = initialise(folder, monkeypatch)
    assert folder not in WIDGETS or started.lambda_handler({"describe": True}, None).startswith("## ")
    monkeypatch.delenv("SNAPSHOT_BUCKET")
    monkeypatch.setenv("STACK_NAME", "")

    with pytest.raises(MissingSettingsError) as raised:
        initialise(folder, monkeypatch)

    assert str(raised.value) == "SNAPSHOT_BUCKET, STACK_NAME are not set"


@pytest.mark.parametrize("folder", ["list-models", "model-anomalies"])
def test_outside_lambda_a_handler_starts_with_the_demo_values(folder: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(LAMBDA_MARKER, raising=False)
    for variable in template_variables(folder):
        monkeypatch.delenv(variable, raising=False)

    initialise(folder, monkeypatch)

    assert load_settings().snapshot_bucket == DEMO_BUCKET
