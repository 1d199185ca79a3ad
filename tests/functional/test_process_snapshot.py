"""Emailing dashboard screenshots: one message per PNG, the image inline, the subject from the
canary; each record on its own, nothing sent twice, another stack's canaries ignored."""

from __future__ import annotations

import email
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from local.widget_events import load_handler
from lookout_dashboards.aws import make_client
from lookout_dashboards.config import load_settings
from lookout_dashboards.container import reset_container
from lookout_dashboards.dashboards import screenshot_file
from tests.widget_calls import act

handler = load_handler("process-snapshot")
TARGET = "operator@example.com"
BUCKET = "l4e-dashboards-demo"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)


def notification(bucket: str, *keys: Any) -> dict[str, Any]:
    return {"Records": [{"s3": {"bucket": {"name": bucket}, "object": {"key": key}}} for key in keys]}


def sent_messages() -> list[email.message.Message]:
    raw = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    return [email.message_from_string(message.raw_data) for message in raw]


def create_dashboard(model: str) -> str:
    """Create a model's dashboard through the models list, as a user would; returns its canary."""
    before = {canary["Name"] for canary in make_client("synthetics").describe_canaries()["Canaries"]}
    act("list-models", {"action": "create_dashboard", "model": model})
    [canary] = {canary["Name"] for canary in make_client("synthetics").describe_canaries()["Canaries"]} - before
    return canary


def screenshot(canary: str, run: str = "00-00-000") -> str:
    """Where Synthetics puts a run's screenshot: folders of its own, then the file the canary named."""
    key = f"snapshots/{canary}-1a2b/canary/us-east-1/{canary}-9f8e/2026/11/02/08/{run}/{screenshot_file(canary)}"
    make_client("s3").put_object(Bucket=BUCKET, Key=key, Body=PNG)
    return key


@pytest.fixture
def model_canary(demo: Any) -> str:
    make_client("ses").verify_email_identity(EmailAddress=TARGET)
    return create_dashboard(demo.models["labeled"])


def test_one_email_per_screenshot_with_the_image_inline(model_canary: str) -> None:
    result = handler.lambda_handler(notification(BUCKET, screenshot(model_canary)), None)

    assert result == {"sent": 1, "skipped": 0, "failed": 0}
    [mail] = sent_messages()
    assert mail["Subject"] == "Lookout for Equipment: model pump-station-labeled dashboard snapshot"
    assert mail["To"] == TARGET
    parts = {part.get_content_type(): part for part in mail.walk()}
    assert 'src="cid:snapshot"' in parts["text/html"].get_payload(decode=True).decode()
    assert parts["image/png"]["Content-ID"] == "<snapshot>"
    assert parts["image/png"].get_payload(decode=True) == PNG


def test_a_repeated_notification_sends_nothing_twice(model_canary: str) -> None:
    event = notification(BUCKET, screenshot(model_canary))

    first, second = handler.lambda_handler(event, None), handler.lambda_handler(event, None)

    assert (first["sent"], second["sent"], second["skipped"]) == (1, 0, 1)
    assert len(sent_messages()) == 1


def test_each_record_on_its_own_what_cannot_be_sent_is_skipped_and_logged(
    model_canary: str, caplog: pytest.LogCaptureFixture
) -> None:
    good = screenshot(model_canary)
    missing = screenshot(model_canary, "01-00-000")
    make_client("s3").delete_object(Bucket=BUCKET, Key=missing)
    caplog.set_level(logging.INFO)
    event = notification(BUCKET, missing, 5, f"snapshots/x/{model_canary}/log.txt", good)
    event["Records"].insert(0, "junk")
    event["Records"].append(notification("no-such-bucket", good)["Records"][0])

    result = handler.lambda_handler(event, None)

    assert result == {"sent": 1, "skipped": 2, "failed": 0}
    assert len(sent_messages()) == 1
    assert "it is gone" in caplog.text and "not a screenshot" in caplog.text
    assert "not an S3 notification" in caplog.text and "not in this stack's bucket" in caplog.text


def test_a_screenshot_of_another_stack_s_canary_is_not_emailed(
    demo: Any, model_canary: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as another_stack:
        reset_container()  # another stack's functions run in containers of their own
        another_stack.setenv("STACK_NAME", "another-stack")
        theirs = create_dashboard(demo.models["compressor"])
    reset_container()
    unknown = f"snapshots/x/{screenshot_file('l4e-unknown-123456')}"
    make_client("s3").put_object(Bucket=BUCKET, Key=unknown, Body=PNG)

    result = handler.lambda_handler(notification(BUCKET, screenshot(theirs), unknown), None)

    assert result == {"sent": 0, "skipped": 2, "failed": 0} and sent_messages() == []


def test_a_refused_email_is_retried_alone_and_the_others_are_not_sent_again(demo: Any) -> None:
    first = create_dashboard(demo.models["labeled"])
    event = notification(BUCKET, screenshot(first))
    ses = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]

    with pytest.raises(handler.NotSentError, match="1 screenshot"):
        handler.lambda_handler(event, None)  # the address is not verified yet: SES refuses
    make_client("ses").verify_email_identity(EmailAddress=TARGET)
    second = create_dashboard(demo.models["compressor"])
    event["Records"] += notification(BUCKET, screenshot(second))["Records"]
    retried = handler.lambda_handler(event, None)
    again = handler.lambda_handler(event, None)

    assert retried == {"sent": 2, "skipped": 0, "failed": 0}
    assert again == {"sent": 0, "skipped": 2, "failed": 0}
    assert len(ses.sent_messages) == 2


def test_a_png_outside_the_canaries_prefix_is_not_read(model_canary: str) -> None:
    """The role reads screenshots under the canaries' prefix only: a mark named like a screenshot is no screenshot."""
    mark = handler.SENT_MARKS + screenshot(model_canary)
    make_client("s3").put_object(Bucket=BUCKET, Key=mark, Body=PNG)

    assert handler.lambda_handler(notification(BUCKET, mark), None) == {"sent": 0, "skipped": 0, "failed": 0}
    assert sent_messages() == []


def test_a_malformed_event_sends_nothing(model_canary: str) -> None:
    assert handler.lambda_handler({"Records": [{"s3": {}}, "junk"]}, None)["sent"] == 0
    assert handler.lambda_handler({"not": "s3"}, None)["sent"] == 0


def mailer(now: datetime) -> Any:
    settings = load_settings()
    clients = [make_client(service) for service in ("s3", "synthetics", "ses")]
    return handler.SnapshotMailer(*clients, settings, now=lambda: now)


def test_a_delivery_that_died_after_its_claim_is_taken_over_once_stale(model_canary: str) -> None:
    key = screenshot(model_canary)
    make_client("s3").put_object(Bucket=BUCKET, Key=f"emailed/{key}", Body=b"pending")  # claimed, then killed
    event = notification(BUCKET, key)
    soon = datetime.now(UTC) + timedelta(seconds=30)
    later = datetime.now(UTC) + handler.PENDING_STALE_AFTER + timedelta(seconds=30)

    with pytest.raises(handler.NotSentError, match="another delivery is sending"):
        handler.process_snapshots(event, mailer(soon))
    assert sent_messages() == []
    assert handler.process_snapshots(event, mailer(later))["sent"] == 1
    assert handler.process_snapshots(event, mailer(later))["skipped"] == 1
    mark = make_client("s3").get_object(Bucket=BUCKET, Key=f"emailed/{key}")["Body"].read()
    assert mark == b"sent" and len(sent_messages()) == 1


def test_a_claim_goes_stale_only_after_the_function_s_timeout_has_surely_passed() -> None:
    from tools.cloudformation import load_template
    from tools.publish import INVOKE_YAML

    functions = load_template(INVOKE_YAML.parent / "cloudformation/functions.yaml")
    timeout = functions["Resources"]["ProcessSnapshotFunction"]["Properties"]["Timeout"]
    assert timedelta(seconds=2 * timeout) <= handler.PENDING_STALE_AFTER
