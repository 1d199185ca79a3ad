"""Which source a preview call runs with: the demo's by function name, a stack's from its deployed environment."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from moto import mock_aws

from local.preview import demo_function, deployed_function
from lookout_dashboards.aws import make_client


def test_the_demo_runs_sitewise_functions_with_sitewise_settings() -> None:
    sitewise, lookout = demo_function("sitewise-scheduler-details"), demo_function("scheduler-details")

    assert sitewise.folder == lookout.folder == "scheduler-details"
    assert sitewise.environment["DATA_SOURCE"] == "IoTSiteWise"
    assert sitewise.environment["MODEL_DETAILS_FUNCTION"] == "sitewise-model-details"  # its dashboards call its own
    assert lookout.environment == {"DATA_SOURCE": "LookoutForEquipment"}


def test_a_deployed_function_runs_with_its_stacks_environment(aws_credentials: None) -> None:
    with mock_aws():
        role = make_client("iam").create_role(
            RoleName="widget", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []})
        )["Role"]["Arn"]
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("handler.py", "def lambda_handler(event, context):\n    return ''\n")
        environment = {"DATA_SOURCE": "IoTSiteWise", "DASHBOARD_PREFIX": "IoT-SiteWise-Anomalies-1a2b3c4d"}
        make_client("lambda").create_function(
            FunctionName="l4e-1a2b3c4d-list-models",
            Runtime="python3.13",
            Role=role,
            Handler="handler.lambda_handler",
            Code={"ZipFile": code.getvalue()},
            Environment={"Variables": environment},
        )
        calls: list[Any] = []
        client = make_client("lambda")
        client.meta.events.register("before-call.lambda.GetFunctionConfiguration", lambda **_: calls.append(1))
        function_of = deployed_function(client)

        function = function_of("l4e-1a2b3c4d-list-models")
        function_of("l4e-1a2b3c4d-list-models")

    assert function.folder == "list-models" and function.environment == environment
    assert len(calls) == 1  # read once per function
