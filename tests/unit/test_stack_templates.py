"""The stack's IAM and names for each data source, read in the templates as CloudFormation resolves them.
No stack is deployed here: tests/functional/test_stack.py deploys, for what only a deployment shows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from local.widget_events import load_handler
from lookout_dashboards import clicks, dashboard_publisher, results_cache, sensor_cache, watermarks
from lookout_dashboards.alarms import alarm_prefix
from lookout_dashboards.config import DASHBOARD_PREFIXES, IOT_SITEWISE, LOOKOUT_FOR_EQUIPMENT, Settings
from lookout_dashboards.metrics import NAMESPACE
from lookout_dashboards.sources import sitewise_model_cache
from lookout_dashboards.watermarks import WATERMARK_PREFIX
from tests.templates import listed, policy_statements, resolved
from tools.cloudformation import load_template
from tools.publish import INVOKE_YAML

CLOUDFORMATION = INVOKE_YAML.parent / "cloudformation"
SOURCES = [IOT_SITEWISE, LOOKOUT_FOR_EQUIPMENT]
GATEWAY = INVOKE_YAML.parent / "layers/lookout-equipment/python/lookout_dashboards/sources/sitewise_gateway.py"
#: What the SiteWise gateway calls (the adapter's only module that does), read from its code: the reader may do
#: exactly that (ExecuteAction apart).
SITEWISE_CALLS = {
    "iotsitewise:" + "".join(part.capitalize() for part in name.split("_"))
    for name in re.findall(r"self\._sitewise\.([a-z_]+)\b", GATEWAY.read_text())
}
SITEWISE_READ = SITEWISE_CALLS - {"iotsitewise:ExecuteAction"}
#: Those with no resource type in the Service Authorization Reference: IAM takes only "*" for them.
SITEWISE_WITHOUT_RESOURCE = {"iotsitewise:ListComputationModels", "iotsitewise:DescribeExecution"}
SITEWISE_ARN = "arn:${AWS::Partition}:iotsitewise:${AWS::Region}:${AWS::AccountId}:"
ROLES = [
    "ReaderRole",
    "ListModelsRole",
    "ListSchedulersRole",
    "PublishMetricsRole",
    "CanaryRole",
    "ProcessSnapshotRole",
    "CleanupRole",
]
#: The roles that read the source; the others never call it.
SOURCE_READERS = ROLES[:4]
FUNCTIONS = sorted(path.parent.name for path in CLOUDFORMATION.parent.glob("lambdas/*/handler.py"))
WIDGETS = [name for name in FUNCTIONS if name.split("-")[0] in ("list", "model", "scheduler", "fleet")]
#: Widgets with a role of their own that reads of the source only what they use (not the reader policy).
OWN_SOURCE_READS = {"fleet-heatmap": {"iotsitewise:DescribeComputationModel", "iotsitewise:ListAssets"}}
#: The alarms of this stack, as IAM and the topic name them: the library's prefix under the stack's key.
OWN_ALARMS = (
    "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:"
    + alarm_prefix("${DashboardPrefix}-${StackKey}")
    + "*"
)


def functions(source: str, **parameters: Any) -> dict[str, Any]:
    return resolved("functions.yaml", {"DataSource": source, **parameters})["Resources"]


def folder_of(function: dict[str, Any]) -> str:
    """The folder under lambdas/ a function's code is built from (two functions may share one)."""
    key = function["Properties"]["Code"]["S3Key"]
    assert key[0] == "Sub" and key[1].startswith("${CodePrefix}/function-"), key
    return key[1].removeprefix("${CodePrefix}/function-").removesuffix(".zip")


def actions_of(resources: dict[str, Any], role: str) -> set[str]:
    return {action for statement in policy_statements(resources, role) for action in listed(statement["Action"])}


def sources_of(actions: set[str]) -> set[str]:
    return {action.split(":")[0] for action in actions} & {"iotsitewise", "lookoutequipment"}


def roles_of_functions(resources: dict[str, Any]) -> dict[str, str]:
    """Each function's role, by the function's folder under lambdas/."""
    return {
        item["Properties"]["FunctionName"][1].removeprefix("l4e-${StackKey}-"): item["Properties"]["Role"][
            1
        ].removesuffix(".Arn")
        for item in resources.values()
        if item["Type"] == "AWS::Lambda::Function"
    }


@pytest.mark.parametrize("source", SOURCES)
def test_each_role_may_call_the_chosen_source_only(source: str) -> None:
    resources = functions(source)
    service = {IOT_SITEWISE: "iotsitewise", LOOKOUT_FOR_EQUIPMENT: "lookoutequipment"}[source]
    for role in ROLES:
        expected = {service} if role in SOURCE_READERS else set()
        assert sources_of(actions_of(resources, role)) == expected, role
    readers = {folder for folder, role in roles_of_functions(resources).items() if role in SOURCE_READERS}
    assert readers == {*WIDGETS, "publish-metrics"} - set(OWN_SOURCE_READS)
    assert ("SiteWiseReadPolicy" in resources) == (source == IOT_SITEWISE)
    assert ("LookoutForEquipmentReadPolicy" in resources) == (source == LOOKOUT_FOR_EQUIPMENT)


def test_under_lookout_for_equipment_the_roles_keep_their_actions() -> None:
    resources = functions(LOOKOUT_FOR_EQUIPMENT)
    reader = {"DescribeDataset", "DescribeModel", "DescribeInferenceScheduler", "ListInferenceExecutions"}
    assert {f"lookoutequipment:{name}" for name in [*reader, "ListInferenceEvents"]} <= actions_of(
        resources, "ReaderRole"
    )
    assert {"lookoutequipment:ListModels", "lookoutequipment:DescribeModel"} <= actions_of(resources, "ListModelsRole")
    start_stop = {"lookoutequipment:StartInferenceScheduler", "lookoutequipment:StopInferenceScheduler"}
    assert start_stop <= actions_of(resources, "ListSchedulersRole")
    assert not start_stop & (actions_of(resources, "ReaderRole") | actions_of(resources, "ListModelsRole"))


def test_the_sitewise_readers_may_make_exactly_the_adapters_calls_on_this_account_s_resources() -> None:
    resources = functions(IOT_SITEWISE)
    for role in SOURCE_READERS:
        assert actions_of(resources, role) >= SITEWISE_READ, role
    statements = resources["SiteWiseReadPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert {action for statement in statements for action in listed(statement["Action"])} == SITEWISE_READ
    for statement in statements:
        arns = [arn if isinstance(arn, str) else arn[1] for arn in listed(statement["Resource"])]
        if arns == ["*"]:
            assert set(statement["Action"]) == SITEWISE_WITHOUT_RESOURCE
        else:
            assert not set(statement["Action"]) & SITEWISE_WITHOUT_RESOURCE
            kinds = ("computation-model/*", "asset/*", "asset-model/*")
            assert arns == [SITEWISE_ARN + kind for kind in kinds]


@pytest.mark.parametrize("source", SOURCES)
def test_the_fleet_heatmap_reads_a_fleet_s_members_its_metrics_and_dashboard_names_only(source: str) -> None:
    resources = functions(source)
    assert roles_of_functions(resources)["fleet-heatmap"] == "FleetHeatmapRole"
    actions = actions_of(resources, "FleetHeatmapRole")
    members = OWN_SOURCE_READS["fleet-heatmap"] if source == IOT_SITEWISE else set()
    assert {action for action in actions if action.startswith(("iotsitewise:", "lookoutequipment:"))} == members
    assert {"cloudwatch:GetMetricData", "cloudwatch:ListDashboards"} <= actions
    assert not {
        action for action in actions if action.startswith(("cloudwatch:Put", "cloudwatch:Delete", "synthetics:"))
    }
    statements = policy_statements(resources, "FleetHeatmapRole")
    for statement in statements:
        if set(listed(statement["Action"])) & members:
            arns = [arn[1] for arn in listed(statement["Resource"])]
            assert arns == [SITEWISE_ARN + "computation-model/*", SITEWISE_ARN + "asset-model/*"]


@pytest.mark.parametrize("source", SOURCES)
def test_only_the_schedulers_list_starts_and_stops_inference_on_computation_models(source: str) -> None:
    resources = functions(source)
    executes = {
        role: [s for s in policy_statements(resources, role) if "iotsitewise:ExecuteAction" in listed(s["Action"])]
        for role in ROLES
    }
    if source == LOOKOUT_FOR_EQUIPMENT:
        assert not any(executes.values())
        return
    [statement] = executes.pop("ListSchedulersRole")
    assert not any(executes.values())
    assert listed(statement["Action"]) == ["iotsitewise:ExecuteAction"]
    # ExecuteAction's resource types are `computation-model` and `asset` (resolveTo): this account's and region's.
    assert statement["Resource"] == [("Sub", SITEWISE_ARN + "computation-model/*"), ("Sub", SITEWISE_ARN + "asset/*")]


def s3_reads(resources: dict[str, Any]) -> dict[str, Any]:
    statements = resources["SourceReadPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    return {statement["Sid"]: statement for statement in statements}


@pytest.mark.parametrize("source", SOURCES)
def test_source_buckets_narrow_the_readers_s3_reads_and_leave_the_cache_alone(source: str) -> None:
    anywhere = s3_reads(functions(source))
    narrowed = s3_reads(functions(source, SourceBuckets="plant-datasets,plant-results"))

    for reads in (anywhere["SourceBuckets"], anywhere["SourceObjects"]):
        assert reads["Resource"] == ("Sub", "arn:${AWS::Partition}:s3:::*")
    assert (narrowed["SourceBuckets"]["Action"], narrowed["SourceObjects"]["Action"]) == (
        "s3:ListBucket",
        "s3:GetObject",
    )
    assert narrowed["SourceBuckets"]["Resource"] == ["arn:*:s3:::plant-datasets", "arn:*:s3:::plant-results"]
    assert narrowed["SourceObjects"]["Resource"] == ["arn:*:s3:::plant-datasets/*", "arn:*:s3:::plant-results/*"]
    assert narrowed["Cache"] == anywhere["Cache"]
    assert anywhere["Cache"]["Resource"] == ("Sub", "arn:${AWS::Partition}:s3:::${SnapshotBucket}/cache/*")


def test_one_named_bucket_is_the_only_one_read() -> None:
    narrowed = s3_reads(functions(IOT_SITEWISE, SourceBuckets="metrics"))

    assert narrowed["SourceBuckets"]["Resource"] == ["arn:*:s3:::metrics"]
    assert narrowed["SourceObjects"]["Resource"] == ["arn:*:s3:::metrics/*"]


def test_each_source_s_dashboard_prefix_is_the_library_s() -> None:
    main = load_template(CLOUDFORMATION / "main.yaml")
    words = main["Mappings"]["DataSources"]
    assert {source: item["DashboardPrefix"] for source, item in words.items()} == DASHBOARD_PREFIXES
    assert main["Parameters"]["DataSource"]["AllowedValues"] == list(DASHBOARD_PREFIXES)
    assert main["Parameters"]["DataSource"]["Default"] == IOT_SITEWISE
    for nested in ("functions.yaml", "dashboards.yaml"):
        declared = load_template(CLOUDFORMATION / nested)["Parameters"]["DashboardPrefix"]
        assert declared["AllowedValues"] == list(DASHBOARD_PREFIXES.values()), nested
    prefix = ("FindInMap", ["DataSources", ("Ref", "DataSource"), "DashboardPrefix"])
    assert main["Resources"]["Functions"]["Properties"]["Parameters"]["DashboardPrefix"] == prefix
    assert main["Resources"]["Dashboards"]["Properties"]["Parameters"]["DashboardPrefix"] == prefix


@pytest.mark.parametrize("source", SOURCES)
def test_every_function_is_told_its_source_and_its_dashboards_prefix(source: str) -> None:
    resources = functions(source)
    lambdas = [item for item in resources.values() if item["Type"] == "AWS::Lambda::Function"]
    zips = {folder_of(item) for item in lambdas}
    assert zips == {path.parent.name for path in CLOUDFORMATION.parent.glob("lambdas/*/handler.py")}
    for item in lambdas:
        variables = item["Properties"]["Environment"]["Variables"]
        assert variables["DATA_SOURCE"] == ("Ref", "DataSource")
        assert variables["DASHBOARD_PREFIX"] == ("Sub", "${DashboardPrefix}-${StackKey}")
    own_dashboards = "arn:${AWS::Partition}:cloudwatch::${AWS::AccountId}:dashboard/${DashboardPrefix}-${StackKey}-*"
    for role in ("ListModelsRole", "ListSchedulersRole", "CleanupRole", "CanaryRole"):
        arns = {
            arn[1]
            for statement in policy_statements(resources, role)
            for arn in listed(statement["Resource"])
            if isinstance(arn, tuple) and ":dashboard/" in arn[1]
        }
        assert arns == {own_dashboards}, role


def test_the_list_dashboards_are_named_and_titled_by_source() -> None:
    resources = load_template(CLOUDFORMATION / "dashboards.yaml")["Resources"]
    names = {key: item["Properties"]["DashboardName"] for key, item in resources.items()}
    assert names == {
        "ModelsListDashboard": ("Sub", "${DashboardPrefix}-Models-${StackKey}"),
        "SchedulersListDashboard": ("Sub", "${DashboardPrefix}-Schedulers-${StackKey}"),
    }
    titles = load_template(CLOUDFORMATION / "main.yaml")["Mappings"]["DataSources"]
    assert titles[IOT_SITEWISE]["ModelsTitle"] != titles[LOOKOUT_FOR_EQUIPMENT]["ModelsTitle"]
    assert "SiteWise" in titles[IOT_SITEWISE]["SchedulersTitle"]


@pytest.mark.parametrize("source", SOURCES)
def test_the_publisher_puts_metrics_in_our_namespace_only_and_reads_what_the_reader_reads(source: str) -> None:
    resources = functions(source)
    statements = policy_statements(resources, "PublishMetricsRole")
    cloudwatch = [s for s in statements if any(a.startswith("cloudwatch:") for a in listed(s["Action"]))]
    # Nothing is read back from CloudWatch (it shows old points hours late): only PutMetricData.
    assert {action for s in cloudwatch for action in listed(s["Action"])} == {"cloudwatch:PutMetricData"}
    [put] = [s for s in cloudwatch if "cloudwatch:PutMetricData" in listed(s["Action"])]
    assert listed(put["Action"]) == ["cloudwatch:PutMetricData"]
    assert put["Condition"] == {"StringEquals": {"cloudwatch:namespace": NAMESPACE}}
    writes = {arn[1] for s in statements if "s3:PutObject" in listed(s["Action"]) for arn in listed(s["Resource"])}
    assert writes == {
        "arn:${AWS::Partition}:s3:::${SnapshotBucket}/cache/*",  # the source's results cache, as the reader's
        "arn:${AWS::Partition}:s3:::${SnapshotBucket}/" + WATERMARK_PREFIX + "*",
    }
    # The reader's every action, and for Lookout for Equipment the list of schedulers, which it lacks.
    extra = actions_of(resources, "PublishMetricsRole") - actions_of(resources, "ReaderRole")
    listing = {"lookoutequipment:ListInferenceSchedulers"} if source == LOOKOUT_FOR_EQUIPMENT else {"sqs:SendMessage"}
    assert extra == {"cloudwatch:PutMetricData"} | listing
    assert actions_of(resources, "PublishMetricsRole") >= actions_of(resources, "ReaderRole")
    service = {IOT_SITEWISE: "iotsitewise", LOOKOUT_FOR_EQUIPMENT: "lookoutequipment"}[source]
    queue = {"sqs"} if source == IOT_SITEWISE else set()  # a fleet's chunks go to the consumer through SQS
    assert {a.split(":")[0] for a in actions_of(resources, "PublishMetricsRole")} == {
        "cloudwatch",
        service,
        "s3",
        "logs",
    } | queue


@pytest.mark.parametrize("source", SOURCES)
def test_only_the_schedulers_list_and_the_clean_up_touch_alarms_and_only_this_stack_s(source: str) -> None:
    resources = functions(source)
    touched = {}
    for role in (name for name, item in resources.items() if item["Type"] == "AWS::IAM::Role"):
        for statement in policy_statements(resources, role):
            alarm_actions = {a for a in listed(statement["Action"]) if "Alarm" in a or a == "cloudwatch:*"}
            if alarm_actions:
                touched.setdefault(role, set()).update(alarm_actions)
                assert statement["Resource"] == ("Sub", OWN_ALARMS), (role, statement)
    assert touched == {
        "ListSchedulersRole": {"cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms"},
        "CleanupRole": {"cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms"},
    }


def test_the_schedule_runs_the_publisher_unless_disabled() -> None:
    main = load_template(CLOUDFORMATION / "main.yaml")["Parameters"]["MetricsSchedule"]
    assert main["Default"] == "rate(5 minutes)"
    assert all(re.fullmatch(r"rate\(1 (minute|hour)\)|rate\(\d+ minutes\)|Disabled", v) for v in main["AllowedValues"])
    resources = functions(IOT_SITEWISE, MetricsSchedule="rate(5 minutes)")
    rule = resources["PublishMetricsSchedule"]["Properties"]
    assert (rule["ScheduleExpression"], rule["State"]) == (("Ref", "MetricsSchedule"), "ENABLED")
    assert [target["Arn"] for target in rule["Targets"]] == [("GetAtt", "PublishMetricsFunction.Arn")]
    permission = resources["PublishMetricsPermission"]["Properties"]
    assert (permission["Principal"], permission["FunctionName"], permission["SourceArn"]) == (
        "events.amazonaws.com",
        ("Ref", "PublishMetricsFunction"),
        ("GetAtt", "PublishMetricsSchedule.Arn"),
    )
    disabled = functions(IOT_SITEWISE, MetricsSchedule="Disabled")
    assert "PublishMetricsSchedule" not in disabled and "PublishMetricsPermission" not in disabled
    assert "PublishMetricsFunction" in disabled


@pytest.mark.parametrize("source", SOURCES)
def test_the_publisher_and_the_schedulers_list_know_the_stack_s_key_which_dimensions_its_metrics(source: str) -> None:
    resources = functions(source)
    for function in ("PublishMetricsFunction", "ListSchedulersFunction"):
        assert resources[function]["Properties"]["Environment"]["Variables"]["STACK_KEY"] == ("Ref", "StackKey")


def test_publisher_runs_never_overlap() -> None:
    """With rate(1 minute) and runs of up to 300 s, two runs would send the same results."""
    resources = functions(LOOKOUT_FOR_EQUIPMENT, MetricsSchedule="rate(1 minute)")
    function = resources["PublishMetricsFunction"]["Properties"]
    assert function["ReservedConcurrentExecutions"] == 1 and function["Timeout"] == 300
    invocations = resources["PublishMetricsRetries"]["Properties"]
    assert invocations["FunctionName"] == ("Ref", "PublishMetricsFunction")
    # A failed run is not retried, and an event throttled by a run still going is not queued for later.
    assert (invocations["MaximumRetryAttempts"], invocations["MaximumEventAgeInSeconds"]) == (0, 60)
    others = [
        item
        for key, item in resources.items()
        if item["Type"] == "AWS::Lambda::Function" and key != "PublishMetricsFunction"
    ]
    assert all("ReservedConcurrentExecutions" not in item["Properties"] for item in others)


def test_alarms_reach_the_target_email_through_a_topic_only_this_stack_s_alarms_may_use() -> None:
    resources = functions(LOOKOUT_FOR_EQUIPMENT)
    topic = resources["NotificationTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == ("Ref", "NotificationKey")  # not alias/aws/sns: alarms cannot use it
    assert topic["Subscription"] == [{"Protocol": "email", "Endpoint": ("Ref", "TargetEmail")}]
    key = resources["NotificationKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    [for_cloudwatch] = [
        s for s in key["KeyPolicy"]["Statement"] if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert set(for_cloudwatch["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    topic_policy = resources["NotificationTopicPolicy"]["Properties"]
    [publish] = topic_policy["PolicyDocument"]["Statement"]
    assert (publish["Principal"], publish["Action"]) == ({"Service": "cloudwatch.amazonaws.com"}, "sns:Publish")
    assert topic_policy["Topics"] == [publish["Resource"]] == [("Ref", "NotificationTopic")]
    for statement in (for_cloudwatch, publish):
        assert statement["Condition"] == {
            "StringEquals": {"aws:SourceAccount": ("Ref", "AWS::AccountId")},
            "ArnLike": {"aws:SourceArn": ("Sub", OWN_ALARMS)},
        }
    # process-snapshot's failed events go to the same topic: its role may use the key.
    [encrypt] = [
        s
        for s in policy_statements(resources, "ProcessSnapshotRole")
        if s["Resource"] == ("GetAtt", "NotificationKey.Arn")
    ]
    assert set(encrypt["Action"]) == {"kms:GenerateDataKey*", "kms:Decrypt"}


def test_the_schedulers_list_arms_alarms_with_the_stack_s_topic_and_rule() -> None:
    main = load_template(CLOUDFORMATION / "main.yaml")
    variables = functions(IOT_SITEWISE)["ListSchedulersFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["ALARM_TOPIC_ARN"] == ("Ref", "NotificationTopic")
    for variable, parameter in (
        ("ALARM_ANOMALOUS_RESULTS", "AlarmAnomalousResults"),
        ("ALARM_PERIODS", "AlarmPeriods"),
    ):
        assert variables[variable] == ("Ref", parameter)
        passed = main["Resources"]["Functions"]["Properties"]["Parameters"][parameter]
        assert passed == ("Ref", parameter)
        declared = main["Parameters"][parameter]
        assert declared["Default"] == Settings.__dataclass_fields__[variable.lower()].default
        # A period is 5 minutes to an hour: CloudWatch evaluates a day at most, 24 hourly periods.
        assert (declared["MinValue"], declared["MaxValue"]) == (1, 24)


# What the code reads and writes in the stack's bucket -------------------------------------------------------------
GET, PUT, DELETE = "s3:GetObject", "s3:PutObject", "s3:DeleteObject"
STACK_BUCKET = "arn:${AWS::Partition}:s3:::${SnapshotBucket}/"
LIBRARY = INVOKE_YAML.parent / "layers/lookout-equipment/python/lookout_dashboards"
PROCESS_SNAPSHOT = load_handler("process-snapshot")


@dataclass(frozen=True)
class BucketUse:
    """Keys that a module reads or writes in the stack's bucket: under the prefix one of its constants holds."""

    module: ModuleType
    constant: str
    actions: frozenset[str]

    @property
    def prefix(self) -> str:
        return getattr(self.module, self.constant)

    @property
    def path(self) -> Path:
        return Path(str(self.module.__file__)).resolve()


READ_WRITE = frozenset({GET, PUT})
#: The caches `sources.default_source` gives each source's adapter.
SOURCE_CACHES = {
    LOOKOUT_FOR_EQUIPMENT: (
        BucketUse(sensor_cache, "PREFIX", READ_WRITE),
        BucketUse(results_cache, "PREFIX", READ_WRITE),
    ),
    IOT_SITEWISE: (BucketUse(sitewise_model_cache, "PREFIX", READ_WRITE),),
}
WATERMARKS = BucketUse(watermarks, "WATERMARK_PREFIX", READ_WRITE)
#: The lists sign their buttons with a key they keep in the bucket (made by the first that needs it).
BUTTON_KEY = BucketUse(clicks, "KEY_PREFIX", READ_WRITE)
SCREENSHOTS = BucketUse(PROCESS_SNAPSHOT, "SNAPSHOTS_PREFIX", frozenset({GET}))
#: A mark is written only if absent, read when it exists, deleted when sending failed.
SENT_MARKS = BucketUse(PROCESS_SNAPSHOT, "SENT_MARKS", frozenset({GET, PUT, DELETE}))
#: Synthetics saves each canary run, with the canary's role, where `ArtifactS3Location` (dashboard_publisher.py) says.
CANARY_ARTIFACTS = BucketUse(dashboard_publisher, "SNAPSHOTS_PREFIX", READ_WRITE)
#: The helpers that the modules above call to read and write their objects.
HELPERS = {LIBRARY / "aws.py"}
#: Modules that read the source's files, in the customer's buckets (SourceReadPolicy), never the stack's.
SOURCE_FILE_READERS = {LIBRARY / "sources/lookout_equipment.py", LIBRARY / "sources/sitewise_gateway.py"}
OBJECT_CALLS = re.compile(r"\.(get|put|delete)_object\(|\b(read|write)_cache_object\(|\bArtifactS3Location=")
WIDGETS_READING_THE_SOURCE = [
    "model-details",
    "model-anomalies",
    "model-signal-importance",
    "model-importance-evolution",
    "model-importance-legend",
    "scheduler-details",
    "scheduler-last-diagnostics",
    "scheduler-anomalies",
]


def bucket_uses(source: str) -> dict[str, tuple[BucketUse, ...]]:
    """What each function (by its folder under lambdas/) does in the stack's bucket."""
    caches = SOURCE_CACHES[source]
    return {
        **dict.fromkeys(WIDGETS_READING_THE_SOURCE, caches),
        # A SiteWise model's row is built from the model's facts; Lookout for Equipment's lists read no object.
        "list-models": (*(caches if source == IOT_SITEWISE else ()), BUTTON_KEY),
        # A fleet's asset names are kept with the models' facts.
        "list-schedulers": (*(caches if source == IOT_SITEWISE else ()), BUTTON_KEY),
        "fleet-heatmap": (*(caches if source == IOT_SITEWISE else ()), BUTTON_KEY),
        "publish-metrics": (*caches, WATERMARKS),
        "process-snapshot": (SCREENSHOTS, SENT_MARKS),
        "cleanup": (),
    }


def uses_by_role(resources: dict[str, Any], source: str) -> dict[str, set[BucketUse]]:
    """Every role of the template, with what the functions (and canaries) that run as it do in the bucket."""
    uses: dict[str, set[BucketUse]] = {
        name: set() for name, item in resources.items() if item["Type"] == "AWS::IAM::Role"
    }
    uses["CanaryRole"].add(CANARY_ARTIFACTS)
    by_folder = bucket_uses(source)
    assert set(by_folder) == {path.parent.name for path in CLOUDFORMATION.parent.glob("lambdas/*/handler.py")}
    for item in resources.values():
        if item["Type"] != "AWS::Lambda::Function":
            continue
        function, role = item["Properties"]["FunctionName"], item["Properties"]["Role"]
        assert function[0] == "Sub" and function[1].startswith("l4e-${StackKey}-"), function
        assert role[0] == "GetAtt" and role[1].endswith(".Arn"), role
        uses[role[1].removesuffix(".Arn")].update(by_folder[folder_of(item)])
    return uses


def object_grants(statements: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    """(action, ARN pattern) of each unconditional object read, write or delete that reaches the stack's bucket
    (IAM's `*` read as fnmatch's; `${...}` placeholders compared as written)."""
    for statement in statements:
        if statement["Effect"] != "Allow" or "Condition" in statement:
            continue
        for action in set(listed(statement["Action"])) & {GET, PUT, DELETE}:
            for resource in listed(statement["Resource"]):
                pattern = resource[1] if isinstance(resource, tuple) and resource[0] == "Sub" else resource
                if isinstance(pattern, str) and (
                    pattern.startswith(STACK_BUCKET) or fnmatchcase(f"{STACK_BUCKET}any/key", pattern)
                ):
                    yield action, pattern


def grants(statements: list[dict[str, Any]], action: str, prefix: str) -> bool:
    """Whether the statements allow `action` on the keys under `prefix`."""
    return any(
        fnmatchcase(f"{STACK_BUCKET}{prefix}any/key", pattern)
        for granted, pattern in object_grants(statements)
        if granted == action
    )


@pytest.mark.parametrize("source", SOURCES)
def test_each_role_reads_and_writes_the_keys_its_code_uses_in_the_stack_s_bucket_and_no_others(source: str) -> None:
    # The source's buckets named: a grant on every bucket would hide a missing one on the stack's.
    resources = functions(source, SourceBuckets="plant-results")
    for role, uses in uses_by_role(resources, source).items():
        statements = policy_statements(resources, role)
        for use in uses:
            for action in use.actions:
                assert grants(statements, action, use.prefix), (role, action, use.prefix, use.module.__name__)
        for action, pattern in object_grants(statements):
            assert any(
                action in use.actions and fnmatchcase(f"{STACK_BUCKET}{use.prefix}any/key", pattern) for use in uses
            ), (role, action, pattern)


def test_every_module_that_reads_or_writes_objects_is_in_the_table_above() -> None:
    code = [*LIBRARY.rglob("*.py"), *CLOUDFORMATION.parent.glob("lambdas/*/handler.py")]
    code += CLOUDFORMATION.parent.glob("synthetics/*.py")
    touching = {path.resolve() for path in code if OBJECT_CALLS.search(path.read_text())}
    tabled = {use.path for source in SOURCES for uses in bucket_uses(source).values() for use in uses}
    assert touching == tabled | {CANARY_ARTIFACTS.path} | HELPERS | SOURCE_FILE_READERS


def test_the_bucket_tells_process_snapshot_of_the_keys_it_may_read() -> None:
    bucket = load_template(CLOUDFORMATION / "main.yaml")["Resources"]["SnapshotStore"]["Properties"]
    [notification] = bucket["NotificationConfiguration"]["LambdaConfigurations"]
    rules = {rule["Name"]: rule["Value"] for rule in notification["Filter"]["S3Key"]["Rules"]}
    assert rules == {"prefix": SCREENSHOTS.prefix, "suffix": ".png"}
    expiring = {rule["Id"]: rule["Prefix"] for rule in bucket["LifecycleConfiguration"]["Rules"]}
    assert expiring["ForgetSentMarks"] == SENT_MARKS.prefix


@pytest.mark.parametrize("source", SOURCES)
def test_alarms_may_notify_only_the_stack_s_topic(source: str) -> None:
    resources = functions(source)
    puts = {
        role: [s for s in policy_statements(resources, role) if "cloudwatch:PutMetricAlarm" in listed(s["Action"])]
        for role, item in resources.items()
        if item["Type"] == "AWS::IAM::Role"
    }
    [put] = puts.pop("ListSchedulersRole")
    assert not any(puts.values())
    # Every action of the request's AlarmActions must be the topic the function is told to use.
    assert put["Condition"] == {"ForAllValues:StringEquals": {"cloudwatch:AlarmActions": ("Ref", "NotificationTopic")}}
    variables = resources["ListSchedulersFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["ALARM_TOPIC_ARN"] == ("Ref", "NotificationTopic")


@pytest.mark.parametrize("source", SOURCES)
def test_the_publisher_may_list_its_bucket_so_a_missing_watermark_reads_as_missing(source: str) -> None:
    """S3 answers a missing key with 404 only to a caller that may list the bucket; else 403, which is a failure."""
    statements = policy_statements(functions(source, SourceBuckets="plant-datasets"), "PublishMetricsRole")
    lists = [s["Resource"] for s in statements if "s3:ListBucket" in listed(s["Action"])]
    assert ("Sub", "arn:${AWS::Partition}:s3:::${SnapshotBucket}") in lists  # whatever SourceBuckets names


def test_the_canary_role_invokes_only_the_widgets_it_photographs() -> None:
    resources = functions(LOOKOUT_FOR_EQUIPMENT)
    [invoke] = [s for s in policy_statements(resources, "CanaryRole") if s["Action"] == "lambda:InvokeFunction"]
    invoked = {arn[1].removesuffix(".Arn") for arn in invoke["Resource"] if arn[0] == "GetAtt"}
    aliases = {arn[1] for arn in invoke["Resource"] if arn[0] == "Sub"}
    assert aliases == {"${" + name + ".Arn}:live" for name in invoked} and len(invoke["Resource"]) == 18
    assert invoked == {
        f"{''.join(part.title() for part in w.split('-'))}Function" for w in WIDGETS if not w.startswith("list-")
    }
    [view] = [s for s in policy_statements(resources, "CanaryRole") if s["Action"] == "cloudwatch:GetDashboard"]
    assert view["Resource"][1].endswith(":dashboard/${DashboardPrefix}-${StackKey}-*")


@pytest.mark.parametrize("source", SOURCES)
def test_canary_functions_and_layers_are_only_this_stack_s(source: str) -> None:
    resources = functions(source)
    for name, policy in resources.items():
        if policy["Type"] not in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Role"):
            continue
        documents = [policy["Properties"]["PolicyDocument"]] if "PolicyDocument" in policy["Properties"] else []
        documents += [item["PolicyDocument"] for item in policy["Properties"].get("Policies", [])]
        for statement in (s for document in documents for s in document["Statement"]):
            actions = listed(statement["Action"])
            arns = [arn[1] if isinstance(arn, tuple) else arn for arn in listed(statement["Resource"])]
            writes = {"lambda:PublishLayerVersion", "lambda:DeleteLayerVersion", "lambda:DeleteFunction"}
            if writes & set(actions):
                assert all("cwsyn-l4e-${StackKey}-" in arn for arn in arns), (name, statement)
            if {"synthetics:DeleteCanary", "synthetics:StopCanary"} & set(actions):
                assert statement["Condition"]["StringEquals"]["aws:ResourceTag/l4e-dashboards:stack"] == (
                    "Ref",
                    "RootStackName",
                ), name
            if "cloudwatch:DeleteDashboards" in actions or "cloudwatch:PutDashboard" in actions:
                assert all(arn.endswith(":dashboard/${DashboardPrefix}-${StackKey}-*") for arn in arns), name


def test_a_large_fleet_goes_through_an_encrypted_queue_the_publisher_sends_to_and_its_chunks_function_reads() -> None:
    resources = functions(IOT_SITEWISE)
    for queue in ("FleetQueue", "FleetDeadLetterQueue"):
        assert resources[queue]["Properties"]["SqsManagedSseEnabled"] is True
    redrive = resources["FleetQueue"]["Properties"]["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == ("GetAtt", "FleetDeadLetterQueue.Arn") and redrive["maxReceiveCount"] >= 1
    queue_actions = {
        role: {a for s in policy_statements(resources, role) for a in listed(s["Action"]) if a.startswith("sqs:")}
        for role, item in resources.items()
        if item["Type"] == "AWS::IAM::Role"
    }
    assert {role: actions for role, actions in queue_actions.items() if actions} == {
        "PublishMetricsRole": {"sqs:SendMessage"},
        "PublishMetricsChunksRole": {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"},
    }
    for role in queue_actions:
        for statement in policy_statements(resources, role):
            if any(a.startswith("sqs:") for a in listed(statement["Action"])):
                assert statement["Resource"] == ("GetAtt", "FleetQueue.Arn")
    chunks = resources["PublishMetricsChunksFunction"]["Properties"]
    assert (chunks["Handler"], folder_of(resources["PublishMetricsChunksFunction"])) == (
        "handler.chunks_handler",
        "publish-metrics",
    )
    assert chunks["ReservedConcurrentExecutions"] == 5 and chunks["Timeout"] * 6 <= 1440
    mapping = resources["PublishMetricsChunks"]["Properties"]
    assert mapping["EventSourceArn"] == ("GetAtt", "FleetQueue.Arn") and mapping["BatchSize"] == 1
    assert mapping["ScalingConfig"]["MaximumConcurrency"] <= chunks["ReservedConcurrentExecutions"]
    publisher = resources["PublishMetricsFunction"]["Properties"]["Environment"]["Variables"]
    assert publisher["FLEET_QUEUE_URL"] == ("Ref", "FleetQueue")
    assert publisher["METRIC_DETAIL"] == chunks["Environment"]["Variables"]["METRIC_DETAIL"] == ("Ref", "MetricDetail")
    assert "FleetQueue" not in functions(LOOKOUT_FOR_EQUIPMENT)
    main = load_template(CLOUDFORMATION / "main.yaml")
    assert main["Parameters"]["MetricDetail"]["Default"] == "Predictions"
    assert main["Resources"]["Functions"]["Properties"]["Parameters"]["MetricDetail"] == ("Ref", "MetricDetail")
