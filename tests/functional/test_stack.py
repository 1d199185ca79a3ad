"""The stack in moto: published to three regions, created from the template URL under a long name
and beside a second stack of the other data source, deleted cleanly without touching the other.

moto's gaps (custom resources, nested-stack outputs, the `!GetAtt` short form) are bridged by
`local.cloudformation_gaps`, in the test support only. moto checks no Lambda name rule, so the
test checks them.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from local.cloudformation_gaps import cloudformation_completed, folder_of, function_environment
from local.widget_events import load_handler, widget_event
from lookout_dashboards.alarms import alarm_prefix
from lookout_dashboards.aws import make_client
from lookout_dashboards.config import DASHBOARD_PREFIXES, IOT_SITEWISE, LOOKOUT_FOR_EQUIPMENT, load_settings
from lookout_dashboards.metrics import NAMESPACE
from tests.builds import CHART_WIDGETS, fake_dist
from tests.conftest import DEMO_NOW
from tests.functional.test_publish import REGIONS, s3_in
from tests.widget_calls import signed
from tools.publish import BuildFacts, LambdaPlatform, publish

ROOT = Path(__file__).resolve().parents[2]
#: A valid stack name of 60 characters: longer than any function name budget would allow.
LONG_STACK = "lookout-equipment-dashboards-for-the-north-plant-compressors"
OTHER_STACK = "l4e"
FUNCTIONS = sorted(path.parent.name for path in (ROOT / "lambdas").glob("*/handler.py"))
WIDGETS = [name for name in FUNCTIONS if name.split("-")[0] in ("list", "model", "scheduler")]
#: Lambda's rule for a function name (without a qualifier), and its log groups' prefix.
LAMBDA_FUNCTION_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
CLOUDWATCH_DASHBOARD_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
PLATFORM = LambdaPlatform.from_invoke_yaml()


@dataclass
class Deployed:
    name: str
    demo: Any
    cloudformation: Any

    def status(self) -> str:
        return self.cloudformation.describe_stacks(StackName=self.name)["Stacks"][0]["StackStatus"]

    def functions(self) -> dict[str, Any]:
        """This stack's functions by folder; each one's description names its stack."""
        listed = make_client("lambda").list_functions()["Functions"]
        mine = [item for item in listed if f"({self.name})" in item.get("Description", "")]
        return {folder_of(item["FunctionName"]): item for item in mine}

    def settings(self) -> set[tuple[str, str]]:
        """The source and dashboard prefix every one of this stack's functions is given."""
        return {
            (item["Environment"]["Variables"]["DATA_SOURCE"], item["Environment"]["Variables"]["DASHBOARD_PREFIX"])
            for item in self.functions().values()
        }

    def alarm_prefix(self) -> str:
        """The names of the alarms this stack's schedulers list creates start with it."""
        return alarm_prefix(self.functions()["list-schedulers"]["Environment"]["Variables"]["DASHBOARD_PREFIX"])

    def outputs(self) -> dict[str, str]:
        stack = self.cloudformation.describe_stacks(StackName=self.name)["Stacks"][0]
        return {item["OutputKey"]: item["OutputValue"] for item in stack["Outputs"]}

    def create_dashboard(self, model: str) -> str:
        """Press Create in this stack's models list, as deployed; returns the new dashboard's name."""
        from moto.awslambda.models import lambda_backends

        function = self.functions()["list-models"]
        backend_function = lambda_backends["123456789012"]["us-east-1"].get_function(function["FunctionName"])
        before = set(dashboard_names())
        with function_environment(backend_function):
            click = signed({"action": "create_dashboard", "model": model})  # with the key in this stack's bucket
            event = widget_event(click, start=DEMO_NOW - timedelta(days=90), end=DEMO_NOW, widget_params={})
            load_handler("list-models").lambda_handler(event, None)
        [created] = set(dashboard_names()) - before
        return created


def dashboard_names() -> list[str]:
    return sorted(entry["DashboardName"] for entry in make_client("cloudwatch").list_dashboards()["DashboardEntries"])


def arm_alarm(prefix: str) -> str:
    """An alarm as a schedulers list's Alarm button would name it under `prefix`; its name."""
    name = f"{prefix}Scheduler-pump"
    make_client("cloudwatch").put_metric_alarm(
        AlarmName=name,
        Namespace=NAMESPACE,
        MetricName="AnomalousPrediction",
        Statistic="Maximum",
        Period=300,
        EvaluationPeriods=6,
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    return name


def alarm_names() -> list[str]:
    return sorted(alarm["AlarmName"] for alarm in make_client("cloudwatch").describe_alarms()["MetricAlarms"])


def canaries() -> dict[str, dict[str, str]]:
    return {item["Name"]: item["Tags"] for item in make_client("synthetics").describe_canaries()["Canaries"]}


def create(
    cloudformation: Any,
    name: str,
    template_url: str,
    bucket: str,
    demo: Any,
    snapstart: str = "Disabled",
    data_source: str | None = LOOKOUT_FOR_EQUIPMENT,
) -> Deployed:
    """A stack of `data_source` (the demo's, Lookout for Equipment, unless told; None: the default)."""
    parameters = {"SnapshotBucket": bucket, "TargetEmail": "operator@example.com", "SnapshotRuns": "Weekly"}
    parameters["SnapStart"] = snapstart
    if data_source is not None:
        parameters["DataSource"] = data_source
    cloudformation.create_stack(
        StackName=name,
        TemplateURL=template_url,
        Parameters=[{"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items()],
        Capabilities=["CAPABILITY_IAM"],
    )
    stack = Deployed(name, demo, cloudformation)
    assert wait(stack) == "CREATE_COMPLETE"
    return stack


def wait(deployed: Deployed) -> str:
    for _ in range(100):
        status = deployed.status()
        if not status.endswith("_IN_PROGRESS"):
            return status
        time.sleep(0.1)
    return status


@pytest.fixture
def published_in(demo: Any, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The templates and code in three regions; yields each region's root template URL."""
    with cloudformation_completed():
        for region in REGIONS:
            location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
            s3_in(region).create_bucket(Bucket=f"l4e-artifacts-{region}", **location)
        items = publish(fake_dist(tmp_path), ROOT / "cloudformation", "l4e-artifacts", REGIONS, "v1", s3_in)
        yield {item.region: item.template_url for item in items}


@pytest.fixture
def published(published_in: dict[str, str]) -> str:
    return published_in["us-east-1"]


@pytest.fixture
def deployed(demo: Any, published: str) -> Deployed:
    cloudformation = make_client("cloudformation", replace(load_settings(), region="us-east-1"))
    return create(cloudformation, LONG_STACK, published, "l4e-snapshots", demo)


def test_a_stack_with_a_60_character_name_creates_everything(deployed: Deployed) -> None:
    assert len(LONG_STACK) == 60
    stacks = deployed.cloudformation.describe_stacks()["Stacks"]
    assert sorted(stack["StackStatus"] for stack in stacks) == ["CREATE_COMPLETE"] * 4
    functions = deployed.functions()
    assert sorted(functions) == FUNCTIONS
    for item in functions.values():  # moto keeps no Architectures: tests/unit/test_stack_settings.py reads them
        assert LAMBDA_FUNCTION_NAME.match(item["FunctionName"]), item["FunctionName"]
        assert (item["Runtime"], item["Handler"]) == (PLATFORM.runtime, "handler.lambda_handler")
    groups = {group["logGroupName"]: group for group in make_client("logs").describe_log_groups()["logGroups"]}
    for item in functions.values():
        assert groups[f"/aws/lambda/{item['FunctionName']}"]["retentionInDays"] == 90
    layers = make_client("lambda").list_layers()["Layers"]
    assert len(layers) == 2
    for layer in layers:
        assert layer["LatestMatchingVersion"]["CompatibleRuntimes"] == [PLATFORM.runtime]
    names = dashboard_names()
    assert all(CLOUDWATCH_DASHBOARD_NAME.match(name) for name in names)
    assert sorted(name.rsplit("-", 1)[0] for name in names) == [
        "Lookout-for-Equipment-Models",
        "Lookout-for-Equipment-Schedulers",
    ]
    assert deployed.outputs()["ModelsDashboard"].endswith(f"#dashboards:name={names[0]}")
    key = names[0].rsplit("-", 1)[1]
    assert deployed.settings() == {(LOOKOUT_FOR_EQUIPMENT, f"Lookout-for-Equipment-{key}")}


def test_the_clean_up_gets_one_create_and_one_delete_on_the_test_s_thread_which_keeps_its_environment(
    demo: Any, published: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto sends a custom resource's request from a thread of its own. A handler run there answered while moto,
    slow here, had not yet stored the resource: moto made it again, and the two handlers' patches of `os.environ`
    ended in either order, leaving the stack's settings (its bucket) to the next test's demo account."""
    from moto.cloudformation.custom_model import CustomModel

    make_custom = CustomModel.create_from_cloudformation_json.__func__

    def slowly_stored(cls: type[CustomModel], *args: Any, **kwargs: Any) -> CustomModel:
        resource = make_custom(cls, *args, **kwargs)
        time.sleep(0.2)  # moto stores the resource when this returns
        return resource

    monkeypatch.setattr(CustomModel, "create_from_cloudformation_json", classmethod(slowly_stored))
    cleanup = load_handler("cleanup")
    handle = cleanup.lambda_handler
    requests: list[tuple[str, str, threading.Thread]] = []

    def recorded(event: dict[str, Any], context: Any, **kwargs: Any) -> None:
        requests.append((event["RequestType"], event["LogicalResourceId"], threading.current_thread()))
        handle(event, context, **kwargs)

    monkeypatch.setattr(cleanup, "lambda_handler", recorded)
    environment = dict(os.environ)
    cloudformation = make_client("cloudformation", replace(load_settings(), region="us-east-1"))

    create(cloudformation, LONG_STACK, published, "l4e-snapshots", demo)
    cloudformation.delete_stack(StackName=LONG_STACK)

    here = threading.current_thread()
    assert requests == [("Create", "CleanupOnDelete", here), ("Delete", "CleanupOnDelete", here)]
    assert dict(os.environ) == environment


def list_dashboards(stack: Deployed) -> list[str]:
    return sorted(url.split("#dashboards:name=")[1] for key, url in stack.outputs().items() if "Dashboard" in key)


def test_two_stacks_of_the_two_sources_side_by_side_deleting_one_leaves_the_other_whole(
    deployed: Deployed, published: str
) -> None:
    other = create(deployed.cloudformation, OTHER_STACK, published, "l4e-other-snapshots", deployed.demo, "Disabled")
    ours = deployed.create_dashboard(deployed.demo.models["labeled"])
    theirs = other.create_dashboard(deployed.demo.models["labeled"])
    assert ours != theirs
    assert sorted(tags["l4e-dashboards:stack"] for tags in canaries().values()) == [OTHER_STACK, LONG_STACK]
    body = json.loads(make_client("cloudwatch").get_dashboard(DashboardName=ours)["DashboardBody"])
    assert (
        body["widgets"][0]["properties"]["endpoint"] == deployed.functions()["model-details"]["FunctionArn"] + ":live"
    )
    # A SiteWise stack beside it: its own prefix for its list dashboards and every function, its own actions.
    sitewise = create(deployed.cloudformation, "sitewise", published, "sw-snapshots", deployed.demo, "Disabled", None)
    [(source, prefix)] = sitewise.settings()
    assert (source, prefix.rsplit("-", 1)[0]) == (IOT_SITEWISE, DASHBOARD_PREFIXES[IOT_SITEWISE])
    sitewise_lists = list_dashboards(sitewise)
    assert [name.rsplit("-", 2)[0] for name in sitewise_lists] == [DASHBOARD_PREFIXES[IOT_SITEWISE]] * 2
    assert not set(sitewise_lists) & set(list_dashboards(deployed))
    # What a SiteWise widget would have created: a run-time dashboard of its prefix calling its function.
    sitewise_made = f"{prefix}-Model-pump"
    widget = {"type": "custom", "properties": {"endpoint": sitewise.functions()["model-details"]["FunctionArn"]}}
    make_client("cloudwatch").put_dashboard(
        DashboardName=sitewise_made, DashboardBody=json.dumps({"widgets": [widget]})
    )
    their_lists = list_dashboards(other)
    make_client("cloudwatch").put_dashboard(DashboardName="Someone-elses", DashboardBody='{"widgets": []}')
    # An alarm of each stack, as their Alarm buttons name them, and one of someone else's.
    kept_alarms = sorted(arm_alarm(prefix) for prefix in (other.alarm_prefix(), sitewise.alarm_prefix(), "Someone-"))
    arm_alarm(deployed.alarm_prefix())

    deployed.cloudformation.delete_stack(StackName=LONG_STACK)

    assert dashboard_names() == sorted([theirs, "Someone-elses", *their_lists, sitewise_made, *sitewise_lists])
    assert alarm_names() == kept_alarms
    assert [tags["l4e-dashboards:stack"] for tags in canaries().values()] == [OTHER_STACK]
    assert other.status() == sitewise.status() == "CREATE_COMPLETE"
    assert sorted(other.functions()) == sorted(sitewise.functions()) == FUNCTIONS
    assert "l4e-snapshots" in [bucket["Name"] for bucket in make_client("s3").list_buckets()["Buckets"]]

    sitewise.cloudformation.delete_stack(StackName="sitewise")

    assert dashboard_names() == sorted([theirs, "Someone-elses", *their_lists])


def test_the_shortest_and_the_longest_stack_names_deploy_in_two_regions(
    demo: Any, published_in: dict[str, str]
) -> None:
    """Dashboards are global: two stacks of one account, in two regions, never share a name."""
    longest = ("l4e-" + "north-plant-compressors-" * 6)[:128]
    stacks = []
    for region, name, source in (("us-east-1", "a", None), ("eu-west-1", longest, LOOKOUT_FOR_EQUIPMENT)):
        cloudformation = make_client("cloudformation", replace(load_settings(), region=region))
        bucket = f"l4e-snapshots-{region}"
        stacks.append(create(cloudformation, name, published_in[region], bucket, demo, data_source=source))
    names = []
    for region in ("us-east-1", "eu-west-1"):
        regional = replace(load_settings(), region=region)
        listed = make_client("lambda", regional).list_functions()["Functions"]
        assert sorted({folder_of(item["FunctionName"]) for item in listed}) == FUNCTIONS
        assert all(LAMBDA_FUNCTION_NAME.match(item["FunctionName"]) for item in listed)
        entries = make_client("cloudwatch", regional).list_dashboards()["DashboardEntries"]
        names += [entry["DashboardName"] for entry in entries]
    assert len(longest) == 128 and len(set(names)) == 4
    # The default source is SiteWise: each stack's list dashboards have their source's prefix.
    assert sorted(name.rsplit("-", 2)[0] for name in names) == sorted(2 * [*DASHBOARD_PREFIXES.values()])
    assert all(CLOUDWATCH_DASHBOARD_NAME.match(name) for name in names)


@pytest.mark.parametrize("snapstart", ["Enabled", "Disabled"])
def test_every_dashboard_calls_the_live_alias_which_snapstart_points_at_a_snapshot(
    demo: Any, published: str, tmp_path: Path, snapstart: str
) -> None:
    cloudformation = make_client("cloudformation", replace(load_settings(), region="us-east-1"))
    deployed = create(cloudformation, f"snapstart-{snapstart.lower()}", published, "l4e-snaps", demo, snapstart)
    aws_lambda = make_client("lambda")
    functions = deployed.functions()
    built = BuildFacts.of(fake_dist(tmp_path), ROOT / "cloudformation" / "functions.yaml")
    aliases = {}
    for folder in WIDGETS:
        [alias] = aws_lambda.list_aliases(FunctionName=functions[folder]["FunctionName"])["Aliases"]
        snapshotted = snapstart == "Enabled" and folder in CHART_WIDGETS
        assert (alias["Name"], alias["FunctionVersion"]) == ("live", "1" if snapshotted else "$LATEST"), folder
        assert functions[folder]["CodeSha256"] == built.code_sha256[folder]  # what a published version must match
        aliases[folder] = alias["AliasArn"]

    list_bodies = [
        json.loads(make_client("cloudwatch").get_dashboard(DashboardName=name)["DashboardBody"])
        for name in dashboard_names()
    ]
    created = deployed.create_dashboard(demo.models["labeled"])
    body = json.loads(make_client("cloudwatch").get_dashboard(DashboardName=created)["DashboardBody"])

    endpoints = {widget["properties"]["endpoint"] for body in list_bodies for widget in body["widgets"]}
    assert endpoints == {aliases["list-models"], aliases["list-schedulers"]}
    model_widgets = {folder for folder in WIDGETS if folder.startswith("model-")}
    assert {widget["properties"]["endpoint"] for widget in body["widgets"]} == {aliases[f] for f in model_widgets}


def test_deploy_creates_then_updates_the_stack_keeping_what_it_is_not_told(demo: Any, tmp_path: Path) -> None:
    from tools.deploy import deploy_stack

    with cloudformation_completed():
        s3_in("us-east-1").create_bucket(Bucket="mine-us-east-1")
        [item] = publish(fake_dist(tmp_path), ROOT / "cloudformation", "mine", ["us-east-1"], "dev", s3_in)
        cloudformation = make_client("cloudformation")
        # moto keeps only the parameters given at creation (AWS keeps defaults too): name every one.
        parameters = {"SnapshotBucket": "mine-snapshots", "TargetEmail": "me@example.com", "SnapshotRuns": "None"}
        parameters["CanaryRuntime"] = "syn-python-selenium-12.0"
        keep = ("SnapStart", "CanaryRuntime", "DataSource")
        earlier = {"DataSource": LOOKOUT_FOR_EQUIPMENT}
        chosen = {"SnapStart": "Enabled", "DataSource": IOT_SITEWISE}

        created = deploy_stack(cloudformation, "mine", item.template_url, {**parameters, **chosen}, keep, earlier)
        told = {"SnapshotBucket": "mine-snapshots", "TargetEmail": "me@example.com", "SnapshotRuns": "Daily"}
        updated = deploy_stack(cloudformation, "mine", item.template_url, told, keep, earlier)
        values = stack_parameters(cloudformation, "mine")

    assert created == "CREATE_COMPLETE"
    assert updated.startswith("UPDATE_COMPLETE")
    assert (values["SnapStart"], values["SnapshotRuns"], values["DataSource"]) == ("Enabled", "Daily", IOT_SITEWISE)
    assert values["CanaryRuntime"] == "syn-python-selenium-12.0"


def stack_parameters(cloudformation: Any, name: str) -> dict[str, str]:
    [stack] = cloudformation.describe_stacks(StackName=name)["Stacks"]
    return {parameter["ParameterKey"]: parameter["ParameterValue"] for parameter in stack["Parameters"]}
