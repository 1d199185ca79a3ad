"""The stack in moto: published to three regions, created from the template URL, deleted cleanly.

moto's gaps (custom resources, nested-stack outputs, the `!GetAtt` short form) are bridged by
`local.cloudformation_gaps`, in the test support only.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from local.cloudformation_gaps import cloudformation_completed, folder_of, function_environment
from local.widget_events import load_handler, widget_event
from lookout_dashboards.aws import make_client
from lookout_dashboards.config import load_settings
from tests.conftest import DEMO_NOW
from tests.functional.test_publish import REGIONS, fake_dist, s3_in
from tools.publish import publish

ROOT = Path(__file__).resolve().parents[2]
STACK = "l4e-dashboards"
WIDGETS = sorted(path.parent.name for path in (ROOT / "lambdas").glob("*/handler.py") if "-" in path.parent.name)


@dataclass
class Deployed:
    demo: Any
    cloudformation: Any

    def status(self, name: str = STACK) -> str:
        return self.cloudformation.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]

    def functions(self) -> dict[str, Any]:
        listed = make_client("lambda").list_functions()["Functions"]
        return {folder_of(item["FunctionName"]): item for item in listed}


def wait(deployed: Deployed, name: str = STACK) -> str:
    for _ in range(100):
        status = deployed.status(name)
        if not status.endswith("_IN_PROGRESS"):
            return status
        time.sleep(0.1)
    return status


@pytest.fixture
def deployed(demo: Any, tmp_path: Path) -> Iterator[Deployed]:
    with cloudformation_completed():
        for region in REGIONS:
            location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
            s3_in(region).create_bucket(Bucket=f"l4e-artifacts-{region}", **location)
        published = publish(fake_dist(tmp_path), ROOT / "cloudformation", "l4e-artifacts", REGIONS, "v1", s3_in)
        cloudformation = make_client("cloudformation", replace(load_settings(), region="us-east-1"))
        cloudformation.create_stack(
            StackName=STACK,
            TemplateURL=published[0].template_url,
            Parameters=[
                {"ParameterKey": "SnapshotBucket", "ParameterValue": "l4e-snapshots"},
                {"ParameterKey": "TargetEmail", "ParameterValue": "operator@example.com"},
                {"ParameterKey": "SnapshotRuns", "ParameterValue": "Weekly"},
            ],
            Capabilities=["CAPABILITY_IAM"],
        )
        stack = Deployed(demo, cloudformation)
        assert wait(stack) == "CREATE_COMPLETE"
        yield stack


def test_the_root_and_nested_stacks_create_everything(deployed: Deployed) -> None:
    stacks = deployed.cloudformation.describe_stacks()["Stacks"]
    assert sorted(stack["StackStatus"] for stack in stacks) == ["CREATE_COMPLETE"] * 4
    functions = deployed.functions()
    assert sorted(functions) == sorted([*WIDGETS, "cleanup"])
    for item in functions.values():  # moto keeps no Architectures from templates: the template is checked below
        assert (item["Runtime"], item["Handler"]) == ("python3.13", "handler.lambda_handler")
    groups = {group["logGroupName"]: group for group in make_client("logs").describe_log_groups()["logGroups"]}
    for item in functions.values():
        assert groups[f"/aws/lambda/{item['FunctionName']}"]["retentionInDays"] == 90
    layers = {layer["LayerName"] for layer in make_client("lambda").list_layers()["Layers"]}
    assert len(layers) == 2
    dashboards = [entry["DashboardName"] for entry in make_client("cloudwatch").list_dashboards()["DashboardEntries"]]
    assert sorted(name.rsplit("-", 5)[0] for name in dashboards) == [
        "Lookout-for-Equipment-Models",
        "Lookout-for-Equipment-Schedulers",
    ]
    outputs = {
        item["OutputKey"]: item["OutputValue"]
        for item in deployed.cloudformation.describe_stacks(StackName=STACK)["Stacks"][0]["Outputs"]
    }
    assert outputs["ModelsDashboard"].endswith(f"#dashboards:name={sorted(dashboards)[0]}")


def test_deletion_removes_what_the_widgets_created_and_nothing_else(deployed: Deployed) -> None:
    list_models = deployed.functions()["list-models"]
    function = make_client("lambda").get_function(FunctionName=list_models["FunctionName"])
    environment = function["Configuration"]["Environment"]["Variables"]
    event = widget_event(
        {"action": "create_dashboard", "model": deployed.demo.models["labeled"]},
        start=DEMO_NOW - timedelta(days=90),
        end=DEMO_NOW,
    )
    from moto.awslambda.models import lambda_backends

    backend_function = lambda_backends["123456789012"]["us-east-1"].get_function(list_models["FunctionName"])
    with function_environment(backend_function):
        load_handler("list-models").lambda_handler(event, None)
    cloudwatch, synthetics = make_client("cloudwatch"), make_client("synthetics")
    created = "Lookout-for-Equipment-Model-pump-station-labeled"
    body = json.loads(cloudwatch.get_dashboard(DashboardName=created)["DashboardBody"])
    assert body["widgets"][0]["properties"]["endpoint"] == environment["MODEL_DETAILS_FUNCTION"]
    [canary] = synthetics.describe_canaries()["Canaries"]
    assert canary["Tags"]["l4e-dashboards:stack"] == STACK
    cloudwatch.put_dashboard(DashboardName="Someone-elses", DashboardBody=json.dumps({"widgets": []}))
    synthetics.create_canary(
        Name="someone-elses",
        Code={"S3Bucket": "b", "S3Key": "k", "Handler": "h.handler"},
        ArtifactS3Location="s3://b/x",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
        Schedule={"Expression": "rate(1 hour)"},
        RuntimeVersion="syn-python-selenium-12.0",
    )

    deployed.cloudformation.delete_stack(StackName=STACK)

    left = [entry["DashboardName"] for entry in cloudwatch.list_dashboards()["DashboardEntries"]]
    assert left == ["Someone-elses"]
    assert [item["Name"] for item in synthetics.describe_canaries()["Canaries"]] == ["someone-elses"]
    assert "l4e-snapshots" in [bucket["Name"] for bucket in make_client("s3").list_buckets()["Buckets"]]


def test_every_function_in_the_template_is_python_3_13_on_arm64_with_its_log_group() -> None:
    """What moto does not keep from a template (architectures, tags), read in the template itself."""
    import yaml

    from tests.functional.test_publish import CloudFormationLoader

    template = yaml.load((ROOT / "cloudformation/functions.yaml").read_text(), Loader=CloudFormationLoader)  # noqa: S506
    functions = {name: item for name, item in template["Resources"].items() if item["Type"] == "AWS::Lambda::Function"}
    assert len(functions) == len(WIDGETS) + 1
    for name, item in functions.items():
        properties = item["Properties"]
        assert (properties["Runtime"], properties["Architectures"]) == ("python3.13", ["arm64"]), name
        assert template["Resources"][item["DependsOn"]]["Type"] == "AWS::Logs::LogGroup"
        tags = [tag["Key"] for tag in properties.get("Tags", [])]
        assert ("cw-custom-widget" in tags) == (name not in ("ProcessSnapshotFunction", "CleanupFunction")), name


def test_deploy_creates_then_updates_the_stack(demo: Any, tmp_path: Path) -> None:
    from tools.deploy import deploy_stack

    with cloudformation_completed():
        s3_in("us-east-1").create_bucket(Bucket="mine-us-east-1")
        [item] = publish(fake_dist(tmp_path), ROOT / "cloudformation", "mine", ["us-east-1"], "dev", s3_in)
        cloudformation = make_client("cloudformation")
        parameters = {"SnapshotBucket": "mine-snapshots", "TargetEmail": "me@example.com", "SnapshotRuns": "None"}

        created = deploy_stack(cloudformation, "mine", item.template_url, parameters)
        updated = deploy_stack(cloudformation, "mine", item.template_url, {**parameters, "SnapshotRuns": "Daily"})

    assert created == "CREATE_COMPLETE"
    assert updated.startswith("UPDATE_COMPLETE")
