"""Emails each new dashboard screenshot, inline, to the stack's address through SES: once.

The S3 notification says which object arrived. The canary that took it is named in the file name
the canary itself chose (`dashboard-snapshot.<canary>.png`), never read from Synthetics' folder
layout; the subject comes from that canary's tags, and a canary of another stack is ignored.

Each record is handled on its own. Before sending, a mark `emailed/<key>` is written only if it
does not exist yet (a conditional write) and turned to `sent` after, so a retried or repeated
notification never sends a snapshot twice, and a delivery that died half way is taken over. What
cannot be sent for good (an object or bucket gone, a malformed record) is logged and skipped; what
failed for now (throttling, SES refusing) is retried by Lambda, and after the retries the event
reaches the stack's notification topic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from enum import StrEnum
from typing import Any
from urllib.parse import unquote_plus

from botocore.exceptions import ClientError

from lookout_dashboards.aws import error_code, error_text
from lookout_dashboards.config import STACK_SETTINGS, Settings, require_settings
from lookout_dashboards.container import current_container
from lookout_dashboards.dashboards import SNAPSHOTS_PREFIX, TAG_DASHBOARD, TAG_STACK, canary_of_screenshot
from lookout_dashboards.html import render
from lookout_dashboards.logs import function_logger

logger = function_logger(__name__)
#: SES refuses raw messages above 10 MB; a bigger screenshot is linked instead of attached.
INLINE_LIMIT = 9 * 1024 * 1024
SUBJECT_TAGS = (
    ("l4e-dashboards:model", "model"),
    ("l4e-dashboards:scheduler", "inference scheduler"),
    ("l4e-dashboards:fleet", "fleet"),
)
REQUIRED_SETTINGS = (*STACK_SETTINGS, "TARGET_EMAIL")
require_settings(REQUIRED_SETTINGS)
#: The marks' keys: `emailed/<screenshot's key>`, read and written by this function only.
SENT_MARKS = "emailed/"
PENDING, SENT = b"pending", b"sent"
#: A `pending` mark older than this belongs to a delivery that died: twice the function's timeout.
PENDING_STALE_AFTER = timedelta(seconds=120)
GONE = frozenset({"NoSuchKey", "NoSuchBucket", "404", "ResourceNotFoundException"})
#: A conditional write refused because the mark exists; a 409 (a concurrent change) is retried instead.
MARKED = frozenset({"PreconditionFailed", "412"})


def _utc_now() -> datetime:
    return datetime.now(UTC)


class NotSentError(Exception):
    """Some screenshots could not be emailed for now: Lambda retries the event, then reports it."""


class Outcome(StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"


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
    """The PNG objects under the canaries' prefix (the only keys this function may read) of an S3
    notification; anything else is logged and left alone."""
    found = []
    records = event.get("Records") if isinstance(event, Mapping) else None
    for record in records if isinstance(records, list) else []:
        try:
            bucket, key = record["s3"]["bucket"]["name"], record["s3"]["object"]["key"]
        except (KeyError, TypeError):
            bucket = key = None
        if not isinstance(bucket, str) or not isinstance(key, str) or not bucket or not key:
            logger.warning("ignoring a record that is not an S3 notification: %.500r", record)
            continue
        key = unquote_plus(key)
        if not key.startswith(SNAPSHOTS_PREFIX) or not key.lower().endswith(".png"):
            logger.info("ignoring s3://%s/%s: not a screenshot", bucket, key)
            continue
        found.append(Snapshot(bucket, key))
    return found


def canary_of(snapshot: Snapshot, synthetics: Any, settings: Settings) -> CanaryTags | None:
    """The canary named in the screenshot's file name, if it is one of this stack's, with what
    its tags say it photographs."""
    name = canary_of_screenshot(snapshot.key)
    if name is None or not name.startswith(settings.canary_prefix):
        return None
    try:
        canary = synthetics.get_canary(Name=name)["Canary"]
    except ClientError as error:
        if error_code(error) in GONE:
            return None
        raise
    tags = canary.get("Tags") or synthetics.list_tags_for_resource(ResourceArn=_arn(canary, name, settings))["Tags"]
    if tags.get(TAG_STACK) != settings.stack_name:
        return None
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


class InFlightError(Exception):
    """Another delivery of the same screenshot claimed it moments ago: retry later, do not send now."""


class SnapshotMailer:
    """Sends one screenshot at most once. Its mark in the stack's bucket goes from `pending`
    (claimed, written only if absent) to `sent` (written only over that claim): a delivery that
    dies between the two leaves a `pending` mark that a retry reclaims once it is stale."""

    def __init__(
        self, s3: Any, synthetics: Any, ses: Any, settings: Settings, now: Callable[[], datetime] = _utc_now
    ) -> None:
        self._s3, self._synthetics, self._ses, self._settings, self._now = s3, synthetics, ses, settings, now

    def send(self, snapshot: Snapshot) -> Outcome:
        where = f"s3://{snapshot.bucket}/{snapshot.key}"
        if snapshot.bucket != self._settings.snapshot_bucket:
            logger.info("ignoring %s: not in this stack's bucket", where)
            return Outcome.SKIPPED
        tags = canary_of(snapshot, self._synthetics, self._settings)
        if tags is None:
            logger.info("ignoring %s: no canary of this stack took it", where)
            return Outcome.SKIPPED
        try:
            claim = self._claim(snapshot)
        except ClientError as error:
            if error_code(error) not in GONE:
                raise
            logger.warning("skipping %s: the bucket is gone (%s)", where, error_text(error))
            return Outcome.SKIPPED
        if claim is None:
            logger.info("ignoring %s: already emailed", where)
            return Outcome.SKIPPED
        try:
            image = self._s3.get_object(Bucket=snapshot.bucket, Key=snapshot.key)["Body"].read()
            mail = message(snapshot, image, tags, self._settings)
            self._ses.send_raw_email(
                Source=self._settings.target_email,
                Destinations=[self._settings.target_email],
                RawMessage={"Data": mail.as_bytes()},
            )
        except ClientError as error:
            self._release(snapshot, claim)
            if error_code(error) in GONE:
                logger.warning("skipping %s: it is gone (%s)", where, error_text(error))
                return Outcome.SKIPPED
            raise
        except Exception:
            self._release(snapshot, claim)
            raise
        self._write_mark(snapshot, SENT, IfMatch=claim)
        logger.info("emailed %s (%s) to %s", where, tags.subject, self._settings.target_email)
        return Outcome.SENT

    def _claim(self, snapshot: Snapshot) -> str | None:
        """The ETag of this delivery's `pending` mark; None when the screenshot was sent already."""
        try:
            return self._write_mark(snapshot, PENDING, IfNoneMatch="*")
        except ClientError as error:
            if error_code(error) not in MARKED:
                raise  # 409, a concurrent write or delete: Lambda retries the event
        mark = self._s3.get_object(Bucket=self._settings.snapshot_bucket, Key=SENT_MARKS + snapshot.key)
        state = mark["Body"].read()
        if state == SENT:
            return None
        if self._now() - mark["LastModified"] < PENDING_STALE_AFTER:
            raise InFlightError(f"another delivery is sending {snapshot.key}")
        logger.warning("reclaiming %s: a delivery claimed it and stopped before sending", snapshot.key)
        return self._write_mark(snapshot, PENDING, IfMatch=mark["ETag"])

    def _write_mark(self, snapshot: Snapshot, state: bytes, **condition: str) -> str:
        written = self._s3.put_object(
            Bucket=self._settings.snapshot_bucket, Key=SENT_MARKS + snapshot.key, Body=state, **condition
        )
        return str(written["ETag"])

    def _release(self, snapshot: Snapshot, claim: str) -> None:
        """Nothing was sent: drop the claim so that a retry sends it (a stale claim is reclaimed anyway)."""
        try:
            self._s3.delete_object(Bucket=self._settings.snapshot_bucket, Key=SENT_MARKS + snapshot.key, IfMatch=claim)
        except ClientError:
            logger.exception("could not release the claim on %s; a retry reclaims it when stale", snapshot.key)


def process_snapshots(event: Mapping[str, Any], mailer: SnapshotMailer) -> dict[str, int]:
    """Every screenshot of the event on its own; raises at the end if any should be retried."""
    counts = dict.fromkeys(Outcome, 0)
    failed = []
    for snapshot in snapshots_in(event):
        try:
            outcome = mailer.send(snapshot)
        except Exception as error:
            logger.exception("could not email s3://%s/%s", snapshot.bucket, snapshot.key)
            failed.append(f"{snapshot.key} ({error_text(error)})")
            outcome = Outcome.FAILED
        counts[outcome] += 1
    if failed:
        raise NotSentError(f"{len(failed)} screenshot(s) not emailed, to retry: {'; '.join(failed)}")
    return {outcome.value: count for outcome, count in counts.items()}


def lambda_handler(event: Mapping[str, Any], context: Any) -> dict[str, int]:
    container = current_container()
    mailer = SnapshotMailer(
        container.client("s3"), container.client("synthetics"), container.client("ses"), container.settings
    )
    return process_snapshots(event, mailer)
