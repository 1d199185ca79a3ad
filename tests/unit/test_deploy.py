"""`deploy_stack`'s choice of parameters on an update, against an in-memory CloudFormation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tools.deploy import deploy_stack


@dataclass
class FakeCloudFormation:
    """One existing stack with the given parameters; records what an update sends."""

    parameters: dict[str, str]
    updates: list[list[dict[str, Any]]] = field(default_factory=list)

    def describe_stacks(self, StackName: str) -> dict[str, Any]:  # noqa: N803 - boto3's argument names
        listed = [{"ParameterKey": key, "ParameterValue": value} for key, value in self.parameters.items()]
        return {"Stacks": [{"StackName": StackName, "Parameters": listed, "StackStatus": "UPDATE_COMPLETE"}]}

    def update_stack(self, Parameters: list[dict[str, Any]], **_: Any) -> None:  # noqa: N803
        self.updates.append(Parameters)

    def get_waiter(self, name: str) -> Any:
        return self

    def wait(self, StackName: str) -> None:  # noqa: N803
        pass


KEEP = ("SnapStart", "DataSource")
EARLIER = {"DataSource": "LookoutForEquipment"}


def sent(stack: dict[str, str], told: dict[str, str]) -> dict[str, Any]:
    cloudformation = FakeCloudFormation(stack)
    deploy_stack(cloudformation, "mine", "https://template", told, KEEP, EARLIER)
    [parameters] = cloudformation.updates
    return {item["ParameterKey"]: item.get("ParameterValue", "previous") for item in parameters}


def test_a_stack_made_before_the_data_source_existed_stays_on_lookout_for_equipment() -> None:
    assert sent({"SnapStart": "Enabled"}, {"SnapshotRuns": "Daily"}) == {
        "SnapshotRuns": "Daily",
        "SnapStart": "previous",
        "DataSource": "LookoutForEquipment",
    }


def test_a_stack_with_a_data_source_keeps_it_unless_told() -> None:
    stack = {"SnapStart": "Enabled", "DataSource": "IoTSiteWise"}

    assert sent(stack, {})["DataSource"] == "previous"
    assert sent(stack, {"DataSource": "LookoutForEquipment"})["DataSource"] == "LookoutForEquipment"
    assert sent({}, {"DataSource": "IoTSiteWise"})["DataSource"] == "IoTSiteWise"
