"""Every widget answers `describe` with its documentation: a title, what it shows, the parameters it takes."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from local.widget_events import LAMBDAS, load_handler

WIDGETS = sorted(
    path.parent.name
    for path in LAMBDAS.glob("*/handler.py")
    if path.parent.name.startswith(("list-", "model-", "scheduler-", "fleet-"))
)
#: The parameters each widget's examples must show one of: the lists' buttons name an action or a fleet's page,
#: the others their resource.
PARAMETERS = {"list-models": {"action", "fleet"}, "list-schedulers": {"action", "fleet"}}
EXAMPLES = re.compile(r"```json\n(.*?)```", re.S)


def examples(documentation: str) -> list[dict[str, Any]]:
    """The JSON examples of the documentation's ```json blocks, one per line."""
    return [json.loads(line) for block in EXAMPLES.findall(documentation) for line in block.splitlines() if line]


@pytest.mark.parametrize("widget", WIDGETS)
def test_describe_gives_a_title_a_description_and_parameter_examples_that_parse(widget: str) -> None:
    documentation = load_handler(widget).lambda_handler({"describe": True}, None)

    title, _, description = documentation.partition("\n\n")
    parameters = PARAMETERS.get(widget, {widget.partition("-")[0]})
    assert re.fullmatch(r"## \S.+", title) and len(description.split()) >= 20
    assert examples(documentation) and all(parameters & set(example) for example in examples(documentation))


def test_every_widget_is_documented() -> None:
    assert len(WIDGETS) == 11
