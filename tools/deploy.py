"""`invoke deploy`: create or update the stack from a published template, and wait for the outcome."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]


def build_version(stack_name: str, dist: Path) -> str:
    """`dev-<stack>-<digest of the built zips>`: a new key prefix whenever the build changes, so that
    an update really replaces the functions' code (CloudFormation compares the S3 keys)."""
    digest = hashlib.sha256()
    for path in sorted(dist.glob("*.zip")):
        digest.update(path.name.encode() + hashlib.sha256(path.read_bytes()).digest())
    return f"dev-{stack_name}-{digest.hexdigest()[:12]}"


def deploy_stack(
    cloudformation: Any,
    stack_name: str,
    template_url: str,
    parameters: Mapping[str, str],
    keep: Iterable[str] = (),
    earlier: Mapping[str, str] | None = None,
) -> str:
    """Create the stack, or update it when it exists; returns its final status. On update, the
    parameters named in `keep` and not given keep the stack's values (on creation, their defaults);
    one the stack predates takes its value in `earlier`, what the stack did before it existed."""
    arguments = {
        "StackName": stack_name,
        "TemplateURL": template_url,
        "Parameters": [{"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items()],
        "Capabilities": CAPABILITIES,
    }
    try:
        [stack] = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError:
        stack = None
    if stack is not None:
        # Only what the stack has: a parameter new in this template takes its default, or its `earlier` value.
        current = {parameter["ParameterKey"] for parameter in stack.get("Parameters", [])}
        kept = []
        for key in (key for key in keep if key not in parameters):
            if key in current:
                kept.append({"ParameterKey": key, "UsePreviousValue": True})
            elif earlier and key in earlier:
                kept.append({"ParameterKey": key, "ParameterValue": earlier[key]})
        try:
            cloudformation.update_stack(**{**arguments, "Parameters": arguments["Parameters"] + kept})
        except ClientError as error:
            if "No updates are to be performed" in str(error):
                return "UPDATE_COMPLETE (nothing to update)"
            raise
        cloudformation.get_waiter("stack_update_complete").wait(StackName=stack_name)
    else:
        cloudformation.create_stack(**arguments)
        cloudformation.get_waiter("stack_create_complete").wait(StackName=stack_name)
    return cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
