"""Reading our hand-written templates: the short-form intrinsic functions, and each function's settings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

FUNCTIONS_TEMPLATE = Path(__file__).resolve().parents[1] / "cloudformation" / "functions.yaml"
MAIN_TEMPLATE = FUNCTIONS_TEMPLATE.with_name("main.yaml")


class CloudFormationLoader(yaml.SafeLoader):
    """Reads the short-form intrinsic functions (`!Ref`, `!Sub`, …) as plain tagged values."""


def _tagged(loader: CloudFormationLoader, suffix: str, node: yaml.Node) -> tuple[str, Any]:
    """`!If [a, b, c]` reads as ("If", ["a", "b", "c"]), nested tags included."""
    if isinstance(node, yaml.SequenceNode):
        return suffix, loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return suffix, loader.construct_mapping(node, deep=True)
    return suffix, node.value


CloudFormationLoader.add_multi_constructor("!", _tagged)


def load_template(path: Path) -> dict[str, Any]:
    return yaml.load(path.read_text(), Loader=CloudFormationLoader)  # noqa: S506 - a SafeLoader subclass


@dataclass(frozen=True)
class FunctionSettings:
    """What the template gives the function built from `lambdas/<folder>`: its memory and literal variables."""

    memory_mb: int
    environment: dict[str, str]


def template_default(parameter: str, path: Path = MAIN_TEMPLATE) -> str:
    """A root stack parameter's default: what a stack launched without changing it runs with."""
    return str(load_template(path)["Parameters"][parameter]["Default"])


def function_definitions(path: Path = FUNCTIONS_TEMPLATE) -> dict[str, dict[str, Any]]:
    """Each function's properties by folder, found through its code's key (`…/function-<folder>.zip`)."""
    definitions = {}
    for resource in load_template(path)["Resources"].values():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        key = resource["Properties"]["Code"]["S3Key"]
        folder = re.search(r"function-(.+)\.zip$", key[1] if isinstance(key, tuple) else key)
        if folder is not None:
            definitions[folder.group(1)] = resource["Properties"]
    return definitions


def function_settings(path: Path = FUNCTIONS_TEMPLATE) -> dict[str, FunctionSettings]:
    """Each function's memory and literal environment variables, by folder."""
    settings = {}
    for folder, properties in function_definitions(path).items():
        variables = properties.get("Environment", {}).get("Variables", {})
        settings[folder] = FunctionSettings(
            memory_mb=int(properties.get("MemorySize", 128)),
            environment={name: value for name, value in variables.items() if isinstance(value, str)},
        )
    return settings
