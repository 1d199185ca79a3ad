"""`invoke deploy`: create or update the stack from a published template, and wait for the outcome."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]


def deploy_stack(cloudformation: Any, stack_name: str, template_url: str, parameters: Mapping[str, str]) -> str:
    """Create the stack, or update it when it exists; returns its final status."""
    arguments = {
        "StackName": stack_name,
        "TemplateURL": template_url,
        "Parameters": [{"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items()],
        "Capabilities": CAPABILITIES,
    }
    try:
        cloudformation.describe_stacks(StackName=stack_name)
        exists = True
    except ClientError:
        exists = False
    if exists:
        try:
            cloudformation.update_stack(**arguments)
        except ClientError as error:
            if "No updates are to be performed" in str(error):
                return "UPDATE_COMPLETE (nothing to update)"
            raise
        cloudformation.get_waiter("stack_update_complete").wait(StackName=stack_name)
    else:
        cloudformation.create_stack(**arguments)
        cloudformation.get_waiter("stack_create_complete").wait(StackName=stack_name)
    return cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
