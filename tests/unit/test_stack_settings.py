"""The stack's settings read in the templates and the build, without deploying: what the root stack hands down,
the functions' platform (invoke.yaml's), log groups and SnapStart, a new version or key prefix exactly when due,
the snapshot bucket's rules, the clean-up's bounds, and the list dashboards' bodies."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from lookout_dashboards.config import IOT_SITEWISE, LOOKOUT_FOR_EQUIPMENT
from lookout_dashboards.dashboards import DashboardKind, list_dashboard_body
from tests.builds import CHART_WIDGETS, ROOT, fake_dist
from tools.cloudformation import load_template
from tools.publish import BuildFacts

CLOUDFORMATION = ROOT / "cloudformation"
FUNCTIONS = sorted(path.parent.name for path in (ROOT / "lambdas").glob("*/handler.py"))
WIDGETS = [name for name in FUNCTIONS if name.split("-")[0] in ("list", "model", "scheduler", "fleet")]


def template(name: str) -> dict[str, Any]:
    return load_template(CLOUDFORMATION / name)


def folder_of_function(resource: dict[str, Any]) -> str:
    return resource["Properties"]["FunctionName"][1].removeprefix("l4e-${StackKey}-")


def test_every_function_runs_on_the_platform_of_invoke_yaml_with_its_log_group() -> None:
    """What moto does not keep from a template (architectures, tags), read in the templates."""
    resources = template("functions.yaml")["Resources"]
    functions = {name: item for name, item in resources.items() if item["Type"] == "AWS::Lambda::Function"}
    for name, item in functions.items():
        properties = item["Properties"]
        assert (properties["Runtime"], properties["Architectures"]) == (("Ref", "Runtime"), [("Ref", "Architecture")])
        assert resources[item["DependsOn"]]["Type"] == "AWS::Logs::LogGroup"
        tags = [tag["Key"] for tag in properties.get("Tags", [])]
        assert ("cw-custom-widget" in tags) == (folder_of_function(item) in WIDGETS), name
    mappings = template("main.yaml")["Mappings"]["Solution"]["Lambda"]
    assert mappings == {"Runtime": "LAMBDA_RUNTIME_PLACEHOLDER", "Architecture": "LAMBDA_ARCHITECTURE_PLACEHOLDER"}


def test_snapstart_applies_to_published_versions_of_the_chart_functions_only() -> None:
    """Which version each alias runs, Enabled or Disabled, is checked deployed (tests/functional/test_stack.py)."""
    resources = template("functions.yaml")["Resources"]
    for name, item in resources.items():
        if item["Type"] != "AWS::Lambda::Function":
            continue
        logical = name.removesuffix("Function")
        chart = folder_of_function(item) in CHART_WIDGETS
        snapstart = item["Properties"].get("SnapStart")
        assert (snapstart is not None) == chart, name
        assert (f"{logical}Version" in resources) == chart, name
        if chart:
            assert snapstart == ("If", ["SnapStartOn", {"ApplyOn": "PublishedVersions"}, ("Ref", "AWS::NoValue")])
            version = resources[f"{logical}Version"]["Properties"]
            assert version["CodeSha256"] == ("FindInMap", ["Build", logical, "CodeSha256"])
    assert template("main.yaml")["Parameters"]["SnapStart"]["Default"] == "Disabled"


def test_a_new_version_is_due_exactly_when_what_it_runs_changes(tmp_path: Path) -> None:
    functions_template = CLOUDFORMATION / "functions.yaml"
    dist = fake_dist(tmp_path)
    before = BuildFacts.of(dist, functions_template)
    again = BuildFacts.of(dist, functions_template)
    (dist / "layer-data-science.zip").write_bytes(b"another layer")
    after_layer = BuildFacts.of(dist, functions_template)
    changed_memory = tmp_path / "functions.yaml"
    changed_memory.write_text(functions_template.read_text().replace("MemorySize: 1769", "MemorySize: 2048", 1))
    after_memory = BuildFacts.of(dist, changed_memory)

    assert again == before
    assert all(after_layer.digests[f] != before.digests[f] for f in CHART_WIDGETS)
    assert after_layer.code_sha256 == before.code_sha256
    assert sum(after_memory.digests[f] != after_layer.digests[f] for f in before.digests) == 1


def test_a_changed_build_is_deployed_under_a_new_key_prefix(tmp_path: Path) -> None:
    """CloudFormation replaces a function's code only when its S3 key changes."""
    from tools.deploy import build_version

    dist = fake_dist(tmp_path)
    first, same = build_version("mine", dist), build_version("mine", dist)
    (dist / "function-list-models.zip").write_bytes(b"changed")

    assert first == same and first.startswith("dev-mine-")
    assert build_version("mine", dist) != first


def test_the_root_stack_hands_each_of_its_parameters_to_the_nested_stacks_that_declare_it() -> None:
    """The operator's choices (TargetEmail, MetricsSchedule, ...) reach the templates that use them unchanged."""
    main = template("main.yaml")
    nested = {
        name: item["Properties"]
        for name, item in main["Resources"].items()
        if item["Type"] == "AWS::CloudFormation::Stack"
    }
    declared_below = set()
    for name, properties in nested.items():
        file = properties["TemplateURL"][1][0].rsplit("/", 1)[1]
        declared = template(file)["Parameters"]
        passed = properties.get("Parameters", {})
        assert set(passed) <= set(declared), name
        for parameter in set(declared) & set(main["Parameters"]):
            declared_below.add(parameter)
            if main["Parameters"][parameter]["Type"] == "CommaDelimitedList":  # a nested stack takes no list
                assert passed[parameter] == ("Join", [",", ("Ref", parameter)]), (name, parameter)
            else:
                assert passed[parameter] == ("Ref", parameter), (name, parameter)
    assert declared_below == set(main["Parameters"])


def test_the_snapshot_bucket_refuses_dots_and_plain_http() -> None:
    main = template("main.yaml")
    pattern = re.compile(main["Parameters"]["SnapshotBucket"]["AllowedPattern"])
    assert pattern.match("l4e-snapshots") and not pattern.match("l4e.snapshots")
    assert "Synthetics" in main["Parameters"]["SnapshotBucket"]["ConstraintDescription"]
    [statement] = main["Resources"]["SnapshotStoreTlsOnly"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": False}}


def test_the_clean_up_is_bounded_and_lost_emails_are_reported() -> None:
    resources = template("functions.yaml")["Resources"]
    assert (
        resources["CleanupOnDelete"]["Properties"]["ServiceTimeout"]
        > resources["CleanupFunction"]["Properties"]["Timeout"]
    )
    retries = resources["ProcessSnapshotRetries"]["Properties"]
    assert retries["DestinationConfig"]["OnFailure"]["Destination"] == ("Ref", "NotificationTopic")


@pytest.mark.parametrize("data_source", [IOT_SITEWISE, LOOKOUT_FOR_EQUIPMENT])
def test_the_list_dashboards_in_the_template_are_the_ones_the_preview_shows(data_source: str) -> None:
    """Same widgets, same titles per source: the template's mapping and the library's."""
    resources = template("dashboards.yaml")["Resources"]
    words = template("main.yaml")["Mappings"]["DataSources"][data_source]
    for logical, kind, parameter, title in (
        ("ModelsListDashboard", DashboardKind.MODEL, "ListModelsFunction", "ModelsTitle"),
        ("SchedulersListDashboard", DashboardKind.SCHEDULER, "ListSchedulersFunction", "SchedulersTitle"),
    ):
        _, body = resources[logical]["Properties"]["DashboardBody"]
        rendered = json.loads(body.replace("${" + parameter + "}", "ARN").replace("${" + title + "}", words[title]))
        assert rendered == list_dashboard_body(kind, lambda widget: "ARN", data_source)
