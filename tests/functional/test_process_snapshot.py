"""Emailing dashboard screenshots: one message per PNG, the image inline, the subject from the canary."""

from __future__ import annotations

import email
import logging
from datetime import timedelta
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from local.widget_events import load_handler, widget_event
from lookout_dashboards.aws import make_client
from tests.conftest import DEMO_NOW

handler = load_handler("process-snapshot")
TARGET = "operator@example.com"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)


def notification(bucket: str, *keys: str) -> dict[str, Any]:
    return {"Records": [{"s3": {"bucket": {"name": bucket}, "object": {"key": key}}} for key in keys]}


def sent_messages() -> list[email.message.Message]:
    raw = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    return [email.message_from_string(message.raw_data) for message in raw]


@pytest.fixture
def model_canary(demo: Any) -> str:
    """Create a model's dashboard through the models list, as a user would; returns its canary."""
    event = widget_event(
        {"action": "create_dashboard", "model": demo.models["labeled"]},
        start=DEMO_NOW - timedelta(days=90),
        end=DEMO_NOW,
    )
    load_handler("list-models").lambda_handler(event, None)
    make_client("ses").verify_email_identity(EmailAddress=TARGET)
    return make_client("synthetics").describe_canaries()["Canaries"][0]["Name"]


def test_one_email_per_screenshot_with_the_image_inline(model_canary: str) -> None:
    s3 = make_client("s3")
    folder = f"snapshots/Lookout-for-Equipment-Model-pump-station-labeled/canary/us-east-1/{model_canary}"
    key = f"{folder}/2026/11/02/08/00-00-000/dashboard.png"
    s3.put_object(Bucket="l4e-dashboards-demo", Key=key, Body=PNG)

    result = handler.lambda_handler(notification("l4e-dashboards-demo", key), None)

    assert result == {"sent": 1}
    [mail] = sent_messages()
    assert mail["Subject"] == "Lookout for Equipment: model pump-station-labeled dashboard snapshot"
    assert mail["To"] == TARGET
    parts = {part.get_content_type(): part for part in mail.walk()}
    assert 'src="cid:snapshot"' in parts["text/html"].get_payload(decode=True).decode()
    assert parts["image/png"]["Content-ID"] == "<snapshot>"
    assert parts["image/png"].get_payload(decode=True) == PNG


def test_objects_that_are_not_screenshots_are_ignored_with_a_log_line(
    model_canary: str, caplog: pytest.LogCaptureFixture
) -> None:
    s3 = make_client("s3")
    s3.put_object(Bucket="l4e-dashboards-demo", Key=f"snapshots/x/{model_canary}/log.txt", Body=b"log")
    s3.put_object(Bucket="l4e-dashboards-demo", Key="snapshots/elsewhere/l4e-unknown-123456/shot.png", Body=PNG)
    caplog.set_level(logging.INFO)

    result = handler.lambda_handler(
        notification(
            "l4e-dashboards-demo",
            f"snapshots/x/{model_canary}/log.txt",
            "snapshots/elsewhere/l4e-unknown-123456/shot.png",
        ),
        None,
    )

    assert result == {"sent": 0} and sent_messages() == []
    assert "not a screenshot" in caplog.text and "no canary of this stack took it" in caplog.text


def test_a_malformed_event_sends_nothing(model_canary: str) -> None:
    assert handler.lambda_handler({"Records": [{"s3": {}}, "junk"]}, None) == {"sent": 0}
    assert handler.lambda_handler({"not": "s3"}, None) == {"sent": 0}
