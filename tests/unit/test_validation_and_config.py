import pytest

from lookout_dashboards.config import DEMO_BUCKET, LAMBDA_MARKER, MissingSettingsError, load_settings, require_settings
from lookout_dashboards.errors import InvalidInputError
from lookout_dashboards.validation import QUOTED_LENGTH, choice, quoted, resource_name


def test_resource_names_follow_the_service_pattern() -> None:
    assert resource_name({"model": "pump_station-1"}, "model", "model") == "pump_station-1"
    for bad in ("", "a b", "<img src=x>", "x" * 201, "pump\n", 3, None):
        with pytest.raises(InvalidInputError):
            resource_name({"model": bad}, "model", "model")


def test_choice_accepts_only_listed_values() -> None:
    allowed = frozenset({"start", "stop"})
    assert choice({"action": "stop"}, "action", allowed) == "stop"
    assert choice({}, "action", allowed, default="start") == "start"
    with pytest.raises(InvalidInputError, match="start, stop"):
        choice({"action": "__import__('os')"}, "action", allowed)
    for unhashable in (["stop"], {"stop": 1}):
        with pytest.raises(InvalidInputError, match="start, stop"):
            choice({"action": unhashable}, "action", allowed)


def test_quoted_request_text_is_short_and_printable() -> None:
    assert quoted("pump\\flow <b>") == "pump\\flow <b>"
    assert quoted("a\x00b\u202ec\nd") == "abcd"
    long = quoted("<" * 10_000)
    assert len(long) == QUOTED_LENGTH and long.endswith("…")


def test_an_invalid_name_is_quoted_short_and_printable() -> None:
    with pytest.raises(InvalidInputError) as refused:
        resource_name({"model": "\x00<b>" + "m" * 10_000}, "model", "model")

    assert str(refused.value).endswith(f"not “<b>{'m' * (QUOTED_LENGTH - 4)}…”.")


def test_settings_default_to_the_demo_account() -> None:
    settings = load_settings({})

    assert settings.snapshot_bucket == DEMO_BUCKET
    assert settings.region == "us-east-1"
    assert settings.function_names["list-models"] == "list-models"


def test_settings_come_from_the_environment() -> None:
    settings = load_settings(
        {"AWS_REGION": "eu-west-1", "SNAPSHOT_BUCKET": "snaps", "LIST_MODELS_FUNCTION": "stack-ListModels-1"}
    )

    assert (settings.region, settings.snapshot_bucket) == ("eu-west-1", "snaps")
    assert settings.function_names["list-models"] == "stack-ListModels-1"


def test_in_lambda_no_setting_falls_back_to_the_demo() -> None:
    settings = load_settings({LAMBDA_MARKER: "stack-list-models", "SNAPSHOT_BUCKET": "snaps"})

    assert settings.snapshot_bucket == "snaps"
    assert (settings.stack_name, settings.canary_role_arn, settings.function_names["model-details"]) == ("", "", "")


def test_only_a_deployed_function_requires_its_settings() -> None:
    require_settings(["SNAPSHOT_BUCKET", "TARGET_EMAIL"], {})
    require_settings(["SNAPSHOT_BUCKET"], {LAMBDA_MARKER: "f", "SNAPSHOT_BUCKET": "snaps"})

    with pytest.raises(MissingSettingsError, match=r"^TARGET_EMAIL is not set$"):
        require_settings(["SNAPSHOT_BUCKET", "TARGET_EMAIL"], {LAMBDA_MARKER: "f", "SNAPSHOT_BUCKET": "snaps"})


def test_each_source_has_its_own_demo_prefix_and_an_unknown_source_is_refused() -> None:
    assert load_settings({"DATA_SOURCE": "IoTSiteWise"}).dashboard_prefix == "IoT-SiteWise-Anomalies"
    assert load_settings({}).dashboard_prefix == "Lookout-for-Equipment"
    assert load_settings({}).data_source == "LookoutForEquipment"
    assert load_settings({"DATA_SOURCE": "IoTSiteWise", "DASHBOARD_PREFIX": "Mine"}).dashboard_prefix == "Mine"

    with pytest.raises(MissingSettingsError, match="DATA_SOURCE must be one of IoTSiteWise, LookoutForEquipment"):
        load_settings({"DATA_SOURCE": "Kinesis"})
