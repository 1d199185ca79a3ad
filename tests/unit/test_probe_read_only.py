"""The SiteWise probe's guarantees and judgements, without a service: it can only read, and it reads orders right."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError

from tools.probe_reads import READ_OPERATIONS, Account, failure, sample, shape
from tools.probe_sitewise import NEWEST_FIRST, OLDEST_FIRST, TOO_FEW, UNSORTED, order_of

T0 = datetime(2026, 11, 2, tzinfo=UTC)


class RecordingClient:
    """Answers every method with an empty page and remembers which were called."""

    def __init__(self) -> None:
        self.called: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return lambda **params: self.called.append(name) or {}


def test_the_probe_can_call_only_reads_that_the_service_has() -> None:
    operations = set(botocore.session.get_session().get_service_model("iotsitewise").operation_names)

    assert READ_OPERATIONS.issubset(operations)
    assert all(name.startswith(("List", "Describe", "Get")) for name in READ_OPERATIONS)
    assert not READ_OPERATIONS & {"ExecuteAction", "UpdateComputationModel", "DeleteComputationModel"}


def test_anything_but_a_read_is_refused_before_it_reaches_the_client() -> None:
    client = RecordingClient()
    account = Account(client)

    with pytest.raises(PermissionError, match="ExecuteAction"):
        account.read("ExecuteAction", actionDefinitionId="x")
    account.read("ListComputationModels")

    assert client.called == ["list_computation_models"] and account.operations == ["ListComputationModels"]


def test_the_call_cap_ends_reading_and_is_kept_as_the_answers_failure() -> None:
    client = RecordingClient()
    account = Account(client, max_calls=2)

    answers = [account.one("DescribeExecution", executionId=str(number)) for number in range(3)]
    again = account.one("DescribeExecution", executionId="0")

    assert len(client.called) == 2 and again is answers[0]  # each read is made once
    assert [answer.error for answer in answers[:2]] == [None, None]
    assert answers[2].error == "DescribeExecution failed: CallCapError (the call cap of 2 was reached)"


@pytest.mark.parametrize(
    ("hours", "order"),
    [
        ([0, 1, 1, 2], OLDEST_FIRST),
        ([2, 1, 1, 0], NEWEST_FIRST),
        ([0, 2, 1], UNSORTED),
        ([0], TOO_FEW),
        ([], TOO_FEW),
        ([1, 1, 1], TOO_FEW),
        ([0, None, 1], OLDEST_FIRST),
    ],
)
def test_an_order_is_judged_from_the_items_times(hours: list[int | None], order: str) -> None:
    times = [None if hour is None else T0 + timedelta(hours=hour) for hour in hours]

    assert order_of(times) == order


def test_both_ends_of_a_long_list_are_sampled() -> None:
    assert sample(list(range(10))) == [0, 1, 2, 7, 8, 9]
    assert sample([1, 2]) == [1, 2]


def test_values_are_shown_only_when_short_or_aws_constants() -> None:
    assert shape("COMPLETED") == '"COMPLETED"' and shape("3") == '"3"' and shape(2) == "2"
    assert shape("AWS/ANOMALY_DETECTION_INFERENCE") == '"AWS/ANOMALY_DETECTION_INFERENCE"'
    assert shape("Pump station «north» anomaly model") == "<text, 34 chars>"
    assert shape("fa8d4739-8a1d-53ab-bb48-b4a7c5ca5b73") == "<id>"
    assert shape([1, 2]) == "<list of 2>" and shape(None) == "null"


def test_a_refusal_is_reported_without_arns_ids_or_account_numbers() -> None:
    message = (
        "User: arn:aws:sts::123456789012:assumed-role/Probe/me is not authorized to perform "
        "iotsitewise:DescribeExecution on fa8d4739-8a1d-53ab-bb48-b4a7c5ca5b73 in account 123456789012"
    )
    error = ClientError({"Error": {"Code": "AccessDeniedException", "Message": message}}, "DescribeExecution")

    text = failure("DescribeExecution", error)

    assert text.startswith("DescribeExecution failed: AccessDeniedException (User: <arn> is not authorized")
    assert "<id> in account <account>)" in text and "123456789012" not in text
