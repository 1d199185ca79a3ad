"""Our templates as CloudFormation would resolve them for given parameters: conditions decided, resources
without their condition gone, `!If` chosen, `AWS::NoValue` dropped, lists built by `!Join`/`!Split` of
list parameters computed. What stays symbolic (`!Sub`, `!GetAtt`, other `!Ref`s) keeps its tagged form."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tools.cloudformation import load_template

CLOUDFORMATION = Path(__file__).resolve().parents[1] / "cloudformation"
_DROPPED = object()


def resolved(name: str, parameters: Mapping[str, str | list[str]]) -> dict[str, Any]:
    """`cloudformation/<name>` with `parameters` given (the others take their defaults)."""
    template = load_template(CLOUDFORMATION / name)
    values: dict[str, Any] = {}
    for key, declared in template.get("Parameters", {}).items():
        value = parameters.get(key, declared.get("Default"))
        if declared["Type"] == "CommaDelimitedList" and isinstance(value, str):
            value = value.split(",")
        values[key] = value
    conditions: dict[str, bool] = {}
    for key, condition in template.get("Conditions", {}).items():
        conditions[key] = _condition(condition, values, conditions)
    resources = {
        key: _value(resource, values, conditions)
        for key, resource in template["Resources"].items()
        if conditions.get(resource.get("Condition"), True)
    }
    return {**template, "Resources": resources}


def _condition(node: Any, values: Mapping[str, Any], conditions: Mapping[str, bool]) -> bool:
    """`!Equals`, `!Not` and `!Condition` (of a condition declared above), the forms our templates use."""
    operator, argument = node
    if operator == "Condition":
        return conditions[argument]
    if operator == "Not":
        return not _condition(argument[0], values, conditions)
    assert operator == "Equals", node
    left, right = argument
    return _compared(left, values, conditions) == _compared(right, values, conditions)


def _compared(node: Any, values: Mapping[str, Any], conditions: Mapping[str, bool]) -> Any:
    """A side of `!Equals`: a parameter's value stands for its `!Ref`."""
    value = _value(node, values, conditions)
    return values[value[1]] if isinstance(value, tuple) and value[0] == "Ref" else value


def _value(node: Any, values: Mapping[str, Any], conditions: Mapping[str, bool]) -> Any:
    if isinstance(node, dict):
        items = {key: _value(item, values, conditions) for key, item in node.items()}
        return {key: item for key, item in items.items() if item is not _DROPPED}
    if isinstance(node, list):
        return [item for item in (_value(item, values, conditions) for item in node) if item is not _DROPPED]
    if not isinstance(node, tuple):
        return node
    function, argument = node
    if function == "Ref" and argument == "AWS::NoValue":
        return _DROPPED
    if function == "Ref" and isinstance(values.get(argument), list):
        return values[argument]
    if function == "If":
        condition, when_true, when_false = argument
        return _value(when_true if conditions[condition] else when_false, values, conditions)
    if function in ("Join", "Split"):
        separator, operand = argument[0], _value(argument[1], values, conditions)
        if function == "Join" and all(isinstance(item, str) for item in operand):
            return separator.join(operand)
        if function == "Split" and isinstance(operand, str):
            return operand.split(separator)
        return function, [separator, operand]
    return function, _value(argument, values, conditions)


def policy_statements(resources: Mapping[str, Any], role: str) -> list[dict[str, Any]]:
    """Every statement a role holds: its inline policies and the stack's managed policies it attaches."""
    properties = resources[role]["Properties"]
    documents = [policy["PolicyDocument"] for policy in properties.get("Policies", [])]
    for arn in properties.get("ManagedPolicyArns", []):
        function, name = arn
        assert function == "Ref", arn
        documents.append(resources[name]["Properties"]["PolicyDocument"])
    return [statement for document in documents for statement in document["Statement"]]


def listed(value: Any) -> list[Any]:
    """An IAM `Action` or `Resource`, one item or several, as a list."""
    return value if isinstance(value, list) else [value]
