"""Emails each new dashboard screenshot, inline, to the stack's address through SES.

The S3 notification says which object arrived; the canary that took it is found among the key's
path segments by asking Synthetics, and the subject comes from that canary's tags (which model or
scheduler, which dashboard), never from the key's layout.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from typing import Any
from urllib.parse import unquote_plus

from botocore.exceptions import ClientError

from lookout_dashboards.aws import make_client
from lookout_dashboards.config import Settings, load_settings
from lookout_dashboards.dashboards import TAG_DASHBOARD
from lookout_dashboards.html import render

logger = logging.getLogger()
logger.setLevel(logging.INFO)
#: SES refuses raw messages above 10 MB; a bigger screenshot is linked instead of attached.
INLINE_LIMIT = 9 * 1024 * 1024
SUBJECT_TAGS = (("l4e-dashboards:model", "model"), ("l4e-dashboards:scheduler", "inference scheduler"))


@dataclass(frozen=True)
class Snapshot:
    bucket: str
    key: str


@dataclass(frozen=True)
class CanaryTags:
    canary: str
    subject: str
    dashboard: str


def snapshots_in(event: Mapping[str, Any]) -> list[Snapshot]:
    """The PNG objects of an S3 notification; anything else is logged and left alone."""
    found = []
    records = event.get("Records") if isinstance(event, Mapping) else None
    for record in records if isinstance(records, list) else []:
        try:
            bucket = record["s3"]["bucket"]["name"]
            key = unquote_plus(record["s3"]["object"]["key"])
        except (KeyError, TypeError):
            logger.warning("ignoring a record that is not an S3 notification: %r", record)
            continue
        if not key.lower().endswith(".png"):
            logger.info("ignoring s3://%s/%s: not a screenshot", bucket, key)
            continue
        found.append(Snapshot(bucket, key))
    return found


def canary_of(snapshot: Snapshot, synthetics: Any, settings: Settings) -> CanaryTags | None:
    """The canary whose name is one of the key's folders, with what its tags say it photographs."""
    candidates = [part for part in snapshot.key.split("/") if part.startswith(settings.canary_prefix)]
    for name in candidates:
        try:
            canary = synthetics.get_canary(Name=name)["Canary"]
        except ClientError:
            continue
        tags = canary.get("Tags") or synthetics.list_tags_for_resource(ResourceArn=_arn(canary, name, settings))["Tags"]
        for key, kind in SUBJECT_TAGS:
            if key in tags:
                return CanaryTags(name, f"{kind} {tags[key]}", tags.get(TAG_DASHBOARD, ""))
    return None


def _arn(canary: Mapping[str, Any], name: str, settings: Settings) -> str:
    """GetCanary gives no ARN; the account is the execution role's."""
    role = str(canary.get("ExecutionRoleArn", ""))
    account = role.split(":")[4] if role.count(":") >= 5 else ""
    return f"arn:aws:synthetics:{settings.region}:{account}:canary:{name}"


def message(snapshot: Snapshot, image: bytes, tags: CanaryTags, settings: Settings) -> MIMEMultipart:
    """An HTML email with the screenshot inline (`cid:`), or a link to it when it is too big."""
    mail = MIMEMultipart("related")
    mail["Subject"] = f"Lookout for Equipment: {tags.subject} dashboard snapshot"
    mail["From"] = settings.target_email
    mail["To"] = settings.target_email
    inline = len(image) <= INLINE_LIMIT
    html = render(
        "snapshot_email.html",
        subject=tags.subject,
        dashboard=tags.dashboard,
        region=settings.region,
        inline=inline,
        location=f"s3://{snapshot.bucket}/{snapshot.key}",
    )
    mail.attach(MIMEText(str(html), "html", "utf-8"))
    if inline:
        picture = MIMEImage(image, "png")
        picture.add_header("Content-ID", "<snapshot>")
        picture.add_header("Content-Disposition", "inline", filename="dashboard.png")
        mail.attach(picture)
    return mail


def process_snapshots(event: Mapping[str, Any], s3: Any, synthetics: Any, ses: Any, settings: Settings) -> int:
    """Send one email per screenshot; returns how many were sent."""
    sent = 0
    for snapshot in snapshots_in(event):
        tags = canary_of(snapshot, synthetics, settings)
        if tags is None:
            logger.info("ignoring s3://%s/%s: no canary of this stack took it", snapshot.bucket, snapshot.key)
            continue
        image = s3.get_object(Bucket=snapshot.bucket, Key=snapshot.key)["Body"].read()
        mail = message(snapshot, image, tags, settings)
        ses.send_raw_email(
            Source=settings.target_email, Destinations=[settings.target_email], RawMessage={"Data": mail.as_bytes()}
        )
        logger.info("emailed s3://%s/%s (%s) to %s", snapshot.bucket, snapshot.key, tags.subject, settings.target_email)
        sent += 1
    return sent


def lambda_handler(event: Mapping[str, Any], context: Any) -> dict[str, int]:
    settings = load_settings()
    sent = process_snapshots(
        event,
        make_client("s3", settings),
        make_client("synthetics", settings),
        make_client("ses", settings),
        settings,
    )
    return {"sent": sent}
