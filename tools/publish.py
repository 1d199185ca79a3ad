"""Publishing: the built zips and the templates, per region, where the stack expects them.

Every region reads its code from `<bucket prefix>-<region>/<solution>/<version>/`, as the root
template's `Mappings` say once the placeholders are filled in here; the Lambda runtime and
architecture are written in from invoke.yaml, the one place the build reads them from too.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from botocore.exceptions import ClientError

from tools.cloudformation import function_definitions

SOLUTION = "lookout-equipment-dashboards"
BUCKET_PLACEHOLDER = "ARTIFACT_BUCKET_PLACEHOLDER"
PREFIX_PLACEHOLDER = "SOLUTION_VERSION_PLACEHOLDER"
RUNTIME_PLACEHOLDER = "LAMBDA_RUNTIME_PLACEHOLDER"
ARCHITECTURE_PLACEHOLDER = "LAMBDA_ARCHITECTURE_PLACEHOLDER"
#: `CODE_SHA256_PLACEHOLDER_<folder>`: the SHA-256 (base64) of `function-<folder>.zip`, as Lambda
#: reports it; `BUILD_DIGEST_PLACEHOLDER_<folder>`: a digest of every built zip and of the function's
#: definition in the template, which changes whenever what a published version would run changes.
BUILD_PLACEHOLDER = re.compile(r"(CODE_SHA256|BUILD_DIGEST)_PLACEHOLDER_([a-z0-9-]+)")
INVOKE_YAML = Path(__file__).resolve().parents[1] / "invoke.yaml"
README_START = "<!-- launch-stack:start -->"
README_END = "<!-- launch-stack:end -->"


@dataclass(frozen=True)
class LambdaPlatform:
    """The runtime and architecture every function and layer is built for and deployed on."""

    runtime: str
    architecture: str

    @classmethod
    def from_invoke_yaml(cls, path: Path = INVOKE_YAML) -> LambdaPlatform:
        settings = yaml.safe_load(path.read_text())["lambda"]
        return cls(str(settings["runtime"]), str(settings["architecture"]))


@dataclass(frozen=True)
class Published:
    region: str
    bucket: str
    prefix: str
    keys: tuple[str, ...]

    @property
    def template_url(self) -> str:
        return f"https://{self.bucket}.s3.{self.region}.amazonaws.com/{self.prefix}/main.yaml"

    @property
    def launch_url(self) -> str:
        return (
            f"https://console.aws.amazon.com/cloudformation/home?region={self.region}"
            f"#/stacks/create/review?templateURL={quote(self.template_url, safe=':/')}&stackName={SOLUTION}"
        )


def key_prefix(version: str) -> str:
    if not version or "/" in version or version.startswith("."):
        raise ValueError("the version must be a single path segment, such as v1.2.0")
    return f"{SOLUTION}/{version}"


@dataclass(frozen=True)
class BuildFacts:
    """What a published version is checked against, and what decides that a new one is due."""

    code_sha256: Mapping[str, str]
    digests: Mapping[str, str]

    @classmethod
    def of(cls, dist: Path, functions_template: Path) -> BuildFacts:
        zips = {path.name: hashlib.sha256(path.read_bytes()) for path in sorted(dist.glob("*.zip"))}
        code = {
            name.removeprefix("function-").removesuffix(".zip"): base64.b64encode(digest.digest()).decode()
            for name, digest in zips.items()
            if name.startswith("function-")
        }
        build = json.dumps({name: digest.hexdigest() for name, digest in zips.items()}, sort_keys=True)
        digests = {
            folder: hashlib.sha256((build + json.dumps(definition, sort_keys=True, default=str)).encode()).hexdigest()
            for folder, definition in function_definitions(functions_template).items()
        }
        return cls(code, digests)

    def value(self, kind: str, folder: str) -> str:
        table = self.code_sha256 if kind == "CODE_SHA256" else self.digests
        if folder not in table:
            raise FileNotFoundError(f"no built function-{folder}.zip or no {folder} function in the template")
        return table[folder]


def filled_template(text: str, bucket_prefix: str, version: str, platform: LambdaPlatform, build: BuildFacts) -> str:
    """A template with the artifact location, the Lambda platform and the build's facts written into
    its `Mappings`."""
    if BUCKET_PLACEHOLDER in text and PREFIX_PLACEHOLDER not in text:
        raise ValueError("a template names the bucket placeholder without the prefix placeholder")
    return (
        BUILD_PLACEHOLDER.sub(lambda match: build.value(match.group(1), match.group(2)), text)
        .replace(BUCKET_PLACEHOLDER, bucket_prefix)
        .replace(PREFIX_PLACEHOLDER, key_prefix(version))
        .replace(RUNTIME_PLACEHOLDER, platform.runtime)
        .replace(ARCHITECTURE_PLACEHOLDER, platform.architecture)
    )


def publish(
    dist: Path,
    templates: Path,
    bucket_prefix: str,
    regions: Iterable[str],
    version: str,
    s3_for: Callable[[str], Any],
    create_buckets: bool = False,
    platform: LambdaPlatform | None = None,
) -> list[Published]:
    """Upload every zip of `dist` and every template, filled in, to each region's bucket.

    The public buckets must exist already; `create_buckets` is for a maintainer's own ones.
    """
    prefix = key_prefix(version)
    platform = platform or LambdaPlatform.from_invoke_yaml()
    zips = sorted(dist.glob("*.zip"))
    if not zips:
        raise FileNotFoundError(f"nothing to publish in {dist}: run `invoke build` first")
    build = BuildFacts.of(dist, templates / "functions.yaml")
    results = []
    for region in regions:
        s3 = s3_for(region)
        bucket = f"{bucket_prefix}-{region}"
        if create_buckets:
            ensure_bucket(s3, bucket, region)
        keys = []
        for path in zips:
            s3.upload_file(str(path), bucket, f"{prefix}/{path.name}")
            keys.append(f"{prefix}/{path.name}")
        for path in sorted(templates.glob("*.yaml")):
            body = filled_template(path.read_text(), bucket_prefix, version, platform, build).encode()
            s3.put_object(Bucket=bucket, Key=f"{prefix}/{path.name}", Body=body, ContentType="text/yaml")
            keys.append(f"{prefix}/{path.name}")
        results.append(Published(region, bucket, prefix, tuple(keys)))
    return results


def ensure_bucket(s3: Any, bucket: str, region: str) -> None:
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=bucket, **location)


def readme_table(published: Iterable[Published]) -> str:
    rows = "\n".join(f"| {item.region} | [Launch Stack]({item.launch_url}) |" for item in published)
    return f"{README_START}\n| region | launch |\n| --- | --- |\n{rows}\n{README_END}"


def with_launch_table(readme: str, published: Iterable[Published]) -> str:
    """The README with its region table replaced (between the launch-stack markers)."""
    start, end = readme.find(README_START), readme.find(README_END)
    if start < 0 or end < start:
        raise ValueError(f"the README has no {README_START} … {README_END} block")
    return readme[:start] + readme_table(published) + readme[end + len(README_END) :]
