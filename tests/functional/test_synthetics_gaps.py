from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local.synthetics_gaps import canary_arn, synthetics_completed
from lookout_dashboards.aws import make_client


@pytest.fixture
def synthetics(aws_credentials: None) -> Iterator[Any]:
    with mock_aws(), synthetics_completed():
        yield make_client("synthetics")


def create(client: Any, name: str, **tags: str) -> None:
    client.create_canary(
        Name=name,
        Code={"Handler": "snapshot.handler", "S3Bucket": "code", "S3Key": "canary.zip"},
        ArtifactS3Location="s3://snaps/canary",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/canary",
        Schedule={"Expression": "rate(0 minute)"},
        RuntimeVersion="syn-python-selenium-12.0",
        Tags=tags,
    )


def error_code(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as error:
        call(**kwargs)
    return error.value.response["Error"]["Code"]


def test_canary_lifecycle_end_to_end(synthetics: Any) -> None:
    create(synthetics, "l4e-model-a", dashboard="Lookout-for-Equipment-Model-a")

    synthetics.start_canary(Name="l4e-model-a")
    assert synthetics.get_canary(Name="l4e-model-a")["Canary"]["Status"]["State"] == "RUNNING"
    assert error_code(synthetics.delete_canary, Name="l4e-model-a") == "ConflictException"
    synthetics.stop_canary(Name="l4e-model-a")
    synthetics.update_canary(Name="l4e-model-a", Schedule={"Expression": "cron(0 6 ? * MON *)"})
    canary = synthetics.get_canary(Name="l4e-model-a")["Canary"]
    assert canary["Status"]["State"] == "STOPPED"
    assert canary["Schedule"]["Expression"] == "cron(0 6 ? * MON *)"
    arn = canary_arn("us-east-1", "123456789012", "l4e-model-a")  # the API returns no ARN; callers build it
    assert synthetics.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"dashboard": "Lookout-for-Equipment-Model-a"}
    synthetics.delete_canary(Name="l4e-model-a")
    assert error_code(synthetics.get_canary, Name="l4e-model-a") == "ResourceNotFoundException"


def test_unknown_canaries_are_not_found(synthetics: Any) -> None:
    for call in (synthetics.get_canary, synthetics.start_canary, synthetics.stop_canary, synthetics.delete_canary):
        assert error_code(call, Name="nobody") == "ResourceNotFoundException"


def test_describe_filters_by_name_and_pages(synthetics: Any) -> None:
    for number in range(25):
        create(synthetics, f"l4e-{number:02d}")

    names = [c["Name"] for c in synthetics.describe_canaries(Names=["l4e-03", "l4e-07"])["Canaries"]]
    first = synthetics.describe_canaries()
    second = synthetics.describe_canaries(NextToken=first["NextToken"])

    assert names == ["l4e-03", "l4e-07"]
    assert len(first["Canaries"]) == 20 and len(second["Canaries"]) == 5
    assert "NextToken" not in second
