"""Publishing into moto's S3: every zip and filled-in template in each region, and the Launch URLs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from lookout_dashboards.aws import make_client
from lookout_dashboards.config import load_settings
from tests.builds import fake_dist
from tools.cloudformation import CloudFormationLoader
from tools.publish import BUCKET_PLACEHOLDER, PREFIX_PLACEHOLDER, publish, with_launch_table

ROOT = Path(__file__).resolve().parents[2]
REGIONS = ["us-east-1", "eu-west-1", "ap-northeast-2"]


def s3_in(region: str) -> Any:
    return make_client("s3", replace(load_settings(), region=region))


@pytest.fixture
def published(demo: Any, tmp_path: Path) -> list[Any]:
    for region in REGIONS:
        location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3_in(region).create_bucket(Bucket=f"l4e-artifacts-{region}", **location)
    return publish(fake_dist(tmp_path), ROOT / "cloudformation", "l4e-artifacts", REGIONS, "v1.0.0", s3_in)


def test_every_region_gets_the_code_and_the_templates(published: list[Any]) -> None:
    functions = sorted(path.parent.name for path in (ROOT / "lambdas").glob("*/handler.py"))
    for item in published:
        listed = s3_in(item.region).list_objects_v2(Bucket=item.bucket)["Contents"]
        keys = {entry["Key"].removeprefix("lookout-equipment-dashboards/v1.0.0/") for entry in listed}
        assert {f"function-{name}.zip" for name in functions} <= keys
        assert {"layer-lookout-equipment.zip", "layer-data-science.zip", "canary-dashboard-snapshot.zip"} <= keys
        assert {"main.yaml", "layers.yaml", "functions.yaml", "dashboards.yaml"} <= keys


def test_templates_point_at_their_own_region_bucket(published: list[Any]) -> None:
    for item in published:
        body = s3_in(item.region).get_object(Bucket=item.bucket, Key=f"{item.prefix}/main.yaml")["Body"].read().decode()
        assert BUCKET_PLACEHOLDER not in body and PREFIX_PLACEHOLDER not in body
        template = yaml.load(body, Loader=CloudFormationLoader)  # noqa: S506 - a SafeLoader subclass
        artifacts = template["Mappings"]["Solution"]["Artifacts"]
        assert artifacts == {"Bucket": "l4e-artifacts", "KeyPrefix": "lookout-equipment-dashboards/v1.0.0"}


def test_launch_urls_and_the_readme_table(published: list[Any]) -> None:
    urls = [item.launch_url for item in published]

    assert urls[1] == (
        "https://console.aws.amazon.com/cloudformation/home?region=eu-west-1#/stacks/create/review"
        "?templateURL=https://l4e-artifacts-eu-west-1.s3.eu-west-1.amazonaws.com/lookout-equipment-dashboards/"
        "v1.0.0/main.yaml&stackName=lookout-equipment-dashboards"
    )
    readme = "intro\n<!-- launch-stack:start -->\nold\n<!-- launch-stack:end -->\nrest\n"
    rewritten = with_launch_table(readme, published)
    assert rewritten.startswith("intro\n") and rewritten.endswith("\nrest\n") and "old" not in rewritten
    assert all(f"| {region} | [Launch Stack](" in rewritten for region in REGIONS)


def test_a_version_must_be_one_path_segment(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="single path segment"):
        publish(tmp_path, ROOT / "cloudformation", "b", REGIONS, "../v1", s3_in)
