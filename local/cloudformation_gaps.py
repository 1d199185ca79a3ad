"""What moto 5.2's CloudFormation lacks for this stack, bridged for tests (never in the product).

- The short form `!GetAtt Nested.Outputs.Name` is split at every dot; it is split at the first.
- A nested stack has no `GetAtt` for its outputs; `Outputs.<name>` reads them.
- `AWS::Lambda::Alias` is unknown and a version has no `GetAtt Version`: both are added, on moto's
  own Lambda store.
- A role's `ManagedPolicyArns` are ignored: they are attached (an `AWS::NoValue` item, which moto
  keeps in a list as `None`, is dropped as AWS drops it).
- `AWS::SNS::TopicPolicy` is unknown: added, setting each topic's policy in moto's SNS store.
- A KMS key's `KeyPolicy` is kept as a document, which `GetKeyPolicy` cannot answer: kept as JSON.
- Custom resources invoke Lambda through Docker, in a thread; here that thread only hands the
  request over, and the thread creating the stack runs the deployed function's handler in-process,
  with the function's environment, once moto has made every resource; the answer reaches the stack
  directly. (Run in moto's thread, the handler answered while moto was still building the stack, so
  moto made the custom resource again, and two handlers each patched and restored `os.environ` in
  the other's middle, leaving a stack's settings in the environment of the tests that followed.)
  Stack deletion sends the `Delete` request moto never sends.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock
from urllib.parse import quote

import yaml
from moto.awslambda.models import LambdaFunction, LambdaVersion, lambda_backends
from moto.cloudformation import models as cloudformation_models
from moto.cloudformation import parsing as cloudformation_parsing
from moto.cloudformation import responses as cloudformation_responses
from moto.cloudformation.models import Stack, cloudformation_backends
from moto.core.common_models import CloudFormationModel
from moto.iam.models import Role, iam_backends
from moto.kms.models import Key
from moto.sns.models import sns_backends
from moto.utilities.utils import get_partition

from .widget_events import LAMBDAS, load_handler

#: Custom resource requests sent at creation, by stack id: what to send again at deletion.
_CREATED: dict[str, list[dict[str, Any]]] = {}
#: Custom resource requests moto's threads handed over, by stack id, with the function to run.
_REQUESTED: dict[str, list[tuple[LambdaFunction, dict[str, Any]]]] = {}
_REQUESTED_LOCK = threading.Lock()
CUSTOM_RESOURCE_WAIT_S = 30


def _tag_constructor(loader: yaml.Loader, tag: str, node: yaml.Node) -> Any:
    key = "Ref" if tag == "!Ref" else f"Fn::{tag[1:]}"
    if tag == "!GetAtt" and isinstance(node, yaml.ScalarNode):
        return {key: node.value.split(".", 1)}
    if isinstance(node, yaml.SequenceNode):
        return {key: loader.construct_sequence(node, deep=True)}
    if isinstance(node, yaml.MappingNode):
        return {key: loader.construct_mapping(node, deep=True)}
    return {key: node.value}


def _nested_output(self: Stack, attribute_name: str) -> Any:
    if attribute_name.startswith("Outputs."):
        outputs = {output["OutputKey"]: output["OutputValue"] for output in self.outputs or []}
        return outputs[attribute_name.removeprefix("Outputs.")]
    raise AttributeError(attribute_name)


def folder_of(function_name: str) -> str:
    """The `lambdas/` folder a deployed function was built from: its name ends with it, or with it and a
    part of its own (`publish-metrics-chunks`, another handler of `publish-metrics`)."""
    folders = sorted((path.parent.name for path in LAMBDAS.glob("*/handler.py")), key=len, reverse=True)
    ending = [folder for folder in folders if function_name.endswith(folder)]
    return (ending or [folder for folder in folders if f"-{folder}-" in function_name])[0]


@contextmanager
def function_environment(function: LambdaFunction) -> Iterator[None]:
    """The deployed function's environment variables, and a container of its own (as in Lambda),
    for an in-process call of its handler."""
    from lookout_dashboards.container import reset_container

    reset_container()
    try:
        with mock.patch.dict(os.environ, {str(k): str(v) for k, v in (function.environment_vars or {}).items()}):
            yield
    finally:
        reset_container()


def _answer(account_id: str, region: str, body: Mapping[str, Any]) -> None:
    """What moto's `cfnresponse` endpoint does with a custom resource's answer."""
    for request in _CREATED.get(body["StackId"], []):
        if request["LogicalResourceId"] == body["LogicalResourceId"]:
            request["PhysicalResourceId"] = body["PhysicalResourceId"]  # sent back on Update and Delete
    if body.get("Status") != "SUCCESS":
        return
    stack = cloudformation_backends[account_id][region].get_stack(body["StackId"])
    stack.get_custom_resource(body["LogicalResourceId"]).set_data(body.get("Data", {}))


def _as_cloudformation_sends_it(event: dict[str, Any], region: str) -> dict[str, Any]:
    """moto's request names its own server as `ResponseURL`; CloudFormation names a pre-signed URL of its
    regional response bucket, which is what the clean-up checks (its answer is intercepted here anyway)."""
    bucket = f"cloudformation-custom-resource-response-{region.replace('-', '')}"
    path = quote(f"{event['StackId']}|{event['LogicalResourceId']}|{event['RequestId']}", safe="")
    signed = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=7200&X-Amz-Signature=moto"
    return {**event, "ResponseURL": f"https://{bucket}.s3.amazonaws.com/{path}?{signed}"}


def _invoke_in_process(self: LambdaFunction, body: str, request_headers: Any, response_headers: Any) -> str:
    """A custom resource's request is handed to the thread creating its stack; any other event runs here."""
    event = json.loads(body)
    if "ResponseURL" in event:
        event = _as_cloudformation_sends_it(event, self.region)
        with _REQUESTED_LOCK:
            _REQUESTED.setdefault(event["StackId"], []).append((self, event))
        return "{}"
    _run(self, event)
    return "{}"


def _requested(stack: Stack) -> list[tuple[LambdaFunction, dict[str, Any]]]:
    with _REQUESTED_LOCK:
        return _REQUESTED.pop(stack.stack_id, [])


def _run(function: LambdaFunction, event: Mapping[str, Any]) -> None:
    handler = load_handler(folder_of(function.function_name))
    with function_environment(function):
        handler.lambda_handler(
            event,
            None,
            send=lambda url, answer: _answer(function.account_id, function.region, answer),
        )


def _create_and_await_custom_resources(original: Any) -> Any:
    """After moto creates the resources, run each custom resource's request here, then check again."""

    def create_resources(self: Stack) -> None:
        original(self)
        requests = _requested(self)
        deadline = time.monotonic() + CUSTOM_RESOURCE_WAIT_S
        while len(requests) < len(self.custom_resources) and time.monotonic() < deadline:
            time.sleep(0.01)  # moto's threads may not have handed their requests over yet
            requests += _requested(self)
        for function, event in requests:
            if event.get("RequestType") == "Create":
                _CREATED.setdefault(event["StackId"], []).append({**event, "FunctionArn": function.function_arn})
            _run(function, event)
        self.verify_readiness()

    return create_resources


def _delete_with_custom_resources(original: Any) -> Any:
    def delete(self: Stack) -> None:
        for request in _CREATED.pop(self.stack_id, []):
            region = request["FunctionArn"].split(":")[3]
            from moto.awslambda.models import lambda_backends

            function = lambda_backends[self.account_id][region].get_function(request["FunctionArn"])
            _run(function, {**request, "RequestType": "Delete"})
        original(self)

    return delete


class LambdaAliasResource(CloudFormationModel):
    """`AWS::Lambda::Alias`, created in moto's Lambda store; `Ref` gives the alias ARN as AWS does."""

    def __init__(self, arn: str, name: str, function_name: str, region: str) -> None:
        self.arn, self.name, self.function_name, self.region = arn, name, function_name, region

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Alias"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[override]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **_: Any
    ) -> LambdaAliasResource:
        properties = cloudformation_json["Properties"]
        backend = lambda_backends[account_id][region_name]
        alias = backend.create_alias(
            properties["Name"], properties["FunctionName"], str(properties["FunctionVersion"]), "", None
        )
        return cls(alias.arn, properties["Name"], properties["FunctionName"], region_name)

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    def delete(self, account_id: str, region_name: str) -> None:
        lambda_backends[account_id][region_name].delete_alias(self.name, self.function_name)


class TopicPolicyResource(CloudFormationModel):
    """`AWS::SNS::TopicPolicy`: the document becomes the policy of each topic it names, as in SNS."""

    def __init__(self, topics: list[str]) -> None:
        self.topics = topics

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::TopicPolicy"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[override]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **_: Any
    ) -> TopicPolicyResource:
        properties = cloudformation_json["Properties"]
        backend = sns_backends[account_id][region_name]
        for topic in properties["Topics"]:
            backend.set_topic_attribute(topic, "policy", json.dumps(properties["PolicyDocument"]))
        return cls(properties["Topics"])

    @property
    def physical_resource_id(self) -> str:
        return ",".join(self.topics)


def _key_with_json_policy(original: Any) -> Any:
    def create(
        cls: type[Key], resource_name: str, cloudformation_json: dict[str, Any], *args: Any, **kwargs: Any
    ) -> Key:
        properties = cloudformation_json["Properties"]
        policy = properties["KeyPolicy"]
        json_policy = policy if isinstance(policy, str) else json.dumps(policy)
        return original(
            resource_name,
            {**cloudformation_json, "Properties": {**properties, "KeyPolicy": json_policy}},
            *args,
            **kwargs,
        )

    return classmethod(create)


def _version_attribute(self: LambdaVersion, attribute_name: str) -> Any:
    if attribute_name == "Version":
        return self.version
    raise AttributeError(attribute_name)


def _role_with_managed_policies(original: Any) -> Any:
    def create(
        cls: type[Role],
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Role:
        role = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
        backend = iam_backends[account_id][get_partition(region_name)]
        for arn in cloudformation_json["Properties"].get("ManagedPolicyArns", []):
            if arn is not None:
                backend.attach_role_policy(arn, role.name)
        return role

    return classmethod(create)


def _model_map_extended(original: Any) -> Any:
    def model_map() -> dict[str, Any]:
        added = (LambdaAliasResource, TopicPolicyResource)
        return {**original(), **{model.cloudformation_type(): model for model in added}}

    return model_map


@contextmanager
def cloudformation_completed() -> Iterator[None]:
    """Bridge moto's CloudFormation gaps for the duration of the block."""
    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(cloudformation_models, "yaml_tag_constructor", _tag_constructor))
        stack.enter_context(mock.patch.object(cloudformation_responses, "yaml_tag_constructor", _tag_constructor))
        stack.enter_context(mock.patch.object(Stack, "get_cfn_attribute", _nested_output, create=True))
        stack.enter_context(mock.patch.object(LambdaVersion, "get_cfn_attribute", _version_attribute, create=True))
        stack.enter_context(
            mock.patch.object(
                cloudformation_parsing, "get_model_map", _model_map_extended(cloudformation_parsing.get_model_map)
            )
        )
        stack.enter_context(mock.patch.object(LambdaFunction, "invoke", _invoke_in_process))
        stack.enter_context(
            mock.patch.object(
                Role,
                "create_from_cloudformation_json",
                _role_with_managed_policies(Role.create_from_cloudformation_json),
            )
        )
        stack.enter_context(
            mock.patch.object(
                Key, "create_from_cloudformation_json", _key_with_json_policy(Key.create_from_cloudformation_json)
            )
        )
        stack.enter_context(
            mock.patch.object(Stack, "create_resources", _create_and_await_custom_resources(Stack.create_resources))
        )
        stack.enter_context(mock.patch.object(Stack, "delete", _delete_with_custom_resources(Stack.delete)))
        stack.callback(_forget_requests)
        yield


def _forget_requests() -> None:
    """Requests of stacks of this block are not sent again in a later one (moto forgets the stacks)."""
    with _REQUESTED_LOCK:
        _REQUESTED.clear()
    _CREATED.clear()
