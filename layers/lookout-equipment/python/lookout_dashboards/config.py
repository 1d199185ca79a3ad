"""Every setting a function reads from its environment, read here and nowhere else.

Outside Lambda (tests, the preview, the demo and the benchmark) a setting the environment lacks
takes the demo account's value. Inside Lambda nothing falls back to the demo: each handler names
the variables it needs with `require_settings`, and a missing one stops the function's init.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

DEMO_BUCKET = "l4e-dashboards-demo"
#: The account a function assumes when neither CloudWatch nor Lambda tells it (local runs, moto).
DEMO_ACCOUNT_ID = "123456789012"
#: Set by Lambda in every function's environment: how a function knows it is deployed.
LAMBDA_MARKER = "AWS_LAMBDA_FUNCTION_NAME"


class MissingSettingsError(RuntimeError):
    """A deployed function lacks environment variables it needs (the template did not set them)."""


@dataclass(frozen=True)
class Settings:
    region: str
    data_source: str
    snapshot_bucket: str
    dashboard_prefix: str
    canary_prefix: str
    canary_role_arn: str
    canary_runtime: str
    canary_code_bucket: str
    canary_code_key: str
    snapshot_runs: str
    target_email: str
    stack_name: str
    retry_mode: str
    max_attempts: int
    cache_dir: str
    function_names: Mapping[str, str]
    alarm_topic_arn: str = ""
    alarm_anomalous_results: int = 3
    alarm_periods: int = 6
    stack_key: str = ""
    #: `PREDICTIONS` or `PREDICTIONS_AND_SENSORS`: the metrics of each result (the stack's `MetricDetail`).
    metric_detail: str = "Predictions"
    #: The queue the scheduled publisher sends a large fleet's chunks to; empty: it publishes them itself.
    fleet_queue_url: str = ""


#: The services dashboards can be drawn from (the stack's `DataSource` parameter), and the name prefix of
#: each one's dashboards, so that a stack per source lives side by side with the other.
IOT_SITEWISE = "IoTSiteWise"
LOOKOUT_FOR_EQUIPMENT = "LookoutForEquipment"
DASHBOARD_PREFIXES = {IOT_SITEWISE: "IoT-SiteWise-Anomalies", LOOKOUT_FOR_EQUIPMENT: "Lookout-for-Equipment"}

#: Environment variable naming the deployed function that backs each widget.
FUNCTION_VARIABLES = {
    "list-models": "LIST_MODELS_FUNCTION",
    "model-details": "MODEL_DETAILS_FUNCTION",
    "model-anomalies": "MODEL_ANOMALIES_FUNCTION",
    "model-signal-importance": "MODEL_SIGNAL_IMPORTANCE_FUNCTION",
    "model-importance-evolution": "MODEL_IMPORTANCE_EVOLUTION_FUNCTION",
    "model-importance-legend": "MODEL_IMPORTANCE_LEGEND_FUNCTION",
    "list-schedulers": "LIST_SCHEDULERS_FUNCTION",
    "scheduler-details": "SCHEDULER_DETAILS_FUNCTION",
    "scheduler-last-diagnostics": "SCHEDULER_LAST_DIAGNOSTICS_FUNCTION",
    "scheduler-anomalies": "SCHEDULER_ANOMALIES_FUNCTION",
    "fleet-heatmap": "FLEET_HEATMAP_FUNCTION",
}

#: What every function of the stack is given: its bucket, and the names that mark what it created.
STACK_SETTINGS = ("DATA_SOURCE", "SNAPSHOT_BUCKET", "STACK_NAME", "DASHBOARD_PREFIX", "CANARY_PREFIX")
#: What a list widget needs to create the snapshot canary of a dashboard.
CANARY_SETTINGS = ("SNAPSHOT_RUNS", "CANARY_ROLE_ARN", "CANARY_RUNTIME", "CANARY_CODE_BUCKET", "CANARY_CODE_KEY")
#: What the schedulers list needs to arm an alarm: the topic it notifies, and "M anomalous results in N periods".
ALARM_SETTINGS = ("ALARM_TOPIC_ARN", "ALARM_ANOMALOUS_RESULTS", "ALARM_PERIODS")
#: What the metrics carry, so that two stacks publish and alarm apart: the stack's key (its `Stack` dimension).
METRIC_SETTINGS = ("STACK_KEY",)
#: What the publisher is told beyond them: the metrics of each result (`MetricDetail`).
PUBLISH_SETTINGS = ("METRIC_DETAIL",)
#: The metric details a stack may choose: predictions and scores only, or with the top sensors' contributions.
PREDICTIONS, PREDICTIONS_AND_SENSORS = "Predictions", "PredictionsAndSensors"
#: Where a chart function's matplotlib writes its cache: read by matplotlib, not here, but needed in Lambda.
CHART_SETTINGS = ("MPLCONFIGDIR",)

#: The demo account's values, for local runs only.
DEMO_ENVIRONMENT: Mapping[str, str] = {
    "DATA_SOURCE": LOOKOUT_FOR_EQUIPMENT,
    "SNAPSHOT_BUCKET": DEMO_BUCKET,
    "STACK_NAME": "l4e-dashboards-demo",
    "STACK_KEY": "0000demo",
    "CANARY_PREFIX": "l4e-",
    "CANARY_ROLE_ARN": f"arn:aws:iam::{DEMO_ACCOUNT_ID}:role/l4e-dashboards-canary",
    "CANARY_RUNTIME": "syn-python-selenium-12.0",
    "CANARY_CODE_BUCKET": DEMO_BUCKET,
    "CANARY_CODE_KEY": "artifacts/canary-dashboard-snapshot.zip",
    "SNAPSHOT_RUNS": "Weekly",
    "TARGET_EMAIL": "operator@example.com",
    "ALARM_TOPIC_ARN": f"arn:aws:sns:us-east-1:{DEMO_ACCOUNT_ID}:l4e-dashboards-alarms",
    "ALARM_ANOMALOUS_RESULTS": "3",
    "ALARM_PERIODS": "6",
    "METRIC_DETAIL": PREDICTIONS_AND_SENSORS,
    **{variable: widget for widget, variable in FUNCTION_VARIABLES.items()},
}


def function_variables(widgets: Iterable[str]) -> tuple[str, ...]:
    """The variables naming the functions of these widgets (for a list widget's dashboards)."""
    return tuple(FUNCTION_VARIABLES[widget] for widget in widgets)


def in_lambda(environ: Mapping[str, str] | None = None) -> bool:
    return LAMBDA_MARKER in (os.environ if environ is None else environ)


def require_settings(variables: Iterable[str], environ: Mapping[str, str] | None = None) -> None:
    """Call at a handler's import: inside Lambda, fail the init naming every variable that is not set.

    A deployed function with a missing variable would otherwise draw the wrong account's dashboards.
    """
    env = os.environ if environ is None else environ
    if not in_lambda(env):
        return
    missing = [variable for variable in variables if not env.get(variable)]
    if missing:
        raise MissingSettingsError(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set")


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings; outside Lambda, the demo's values fill what the environment lacks."""
    env = os.environ if environ is None else environ
    values = env if in_lambda(env) else {**DEMO_ENVIRONMENT, **env}
    data_source = values.get("DATA_SOURCE", "")
    if data_source and data_source not in DASHBOARD_PREFIXES:  # unset: `require_settings` says so at init
        raise MissingSettingsError(f"DATA_SOURCE must be one of {', '.join(DASHBOARD_PREFIXES)}, not {data_source!r}")
    if not in_lambda(env):  # each source's demo dashboards have that source's prefix
        values = {"DASHBOARD_PREFIX": DASHBOARD_PREFIXES[data_source], **values}
    return Settings(
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        data_source=data_source,
        snapshot_bucket=values.get("SNAPSHOT_BUCKET", ""),
        dashboard_prefix=values.get("DASHBOARD_PREFIX", ""),
        canary_prefix=values.get("CANARY_PREFIX", ""),
        canary_role_arn=values.get("CANARY_ROLE_ARN", ""),
        canary_runtime=values.get("CANARY_RUNTIME", ""),
        canary_code_bucket=values.get("CANARY_CODE_BUCKET", ""),
        canary_code_key=values.get("CANARY_CODE_KEY", ""),
        snapshot_runs=values.get("SNAPSHOT_RUNS", ""),
        target_email=values.get("TARGET_EMAIL", ""),
        stack_name=values.get("STACK_NAME", ""),
        retry_mode=env.get("AWS_RETRY_MODE", "standard"),
        max_attempts=int(env.get("AWS_MAX_ATTEMPTS", "4")),
        cache_dir=env.get("CACHE_DIR", "/tmp/l4e-dashboards"),
        function_names={widget: values.get(variable, "") for widget, variable in FUNCTION_VARIABLES.items()},
        alarm_topic_arn=values.get("ALARM_TOPIC_ARN", ""),
        alarm_anomalous_results=_positive(values.get("ALARM_ANOMALOUS_RESULTS"), 3),
        alarm_periods=_positive(values.get("ALARM_PERIODS"), 6),
        stack_key=values.get("STACK_KEY", ""),
        metric_detail=_metric_detail(values.get("METRIC_DETAIL", "")),
        fleet_queue_url=values.get("FLEET_QUEUE_URL", ""),
    )


def _positive(text: str | None, default: int) -> int:
    """A whole number of at least 1, or the default (an unset variable; the template checks the range)."""
    return int(text) if text and text.isdigit() and int(text) >= 1 else default


def _metric_detail(text: str) -> str:
    """One of the two details; unset only where the function does not publish (the template sets it)."""
    if text and text not in (PREDICTIONS, PREDICTIONS_AND_SENSORS):
        raise MissingSettingsError(f"METRIC_DETAIL must be {PREDICTIONS} or {PREDICTIONS_AND_SENSORS}, not {text!r}")
    return text or PREDICTIONS
