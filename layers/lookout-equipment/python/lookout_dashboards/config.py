"""Every setting a function reads from its environment, read here and nowhere else.

The defaults match the local demo account, so a handler runs outside Lambda with no setup.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEMO_BUCKET = "l4e-dashboards-demo"
#: The account a function assumes when neither CloudWatch nor Lambda tells it (local runs, moto).
DEMO_ACCOUNT_ID = "123456789012"


@dataclass(frozen=True)
class Settings:
    region: str
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
}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings; called per invocation so tests can change the environment."""
    env = os.environ if environ is None else environ
    stack_name = env.get("STACK_NAME", "l4e-dashboards-demo")
    return Settings(
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        snapshot_bucket=env.get("SNAPSHOT_BUCKET", DEMO_BUCKET),
        dashboard_prefix=env.get("DASHBOARD_PREFIX", "Lookout-for-Equipment"),
        canary_prefix=env.get("CANARY_PREFIX", "l4e-"),
        canary_role_arn=env.get("CANARY_ROLE_ARN", "arn:aws:iam::123456789012:role/l4e-dashboards-canary"),
        canary_runtime=env.get("CANARY_RUNTIME", "syn-python-selenium-12.0"),
        canary_code_bucket=env.get("CANARY_CODE_BUCKET", DEMO_BUCKET),
        canary_code_key=env.get("CANARY_CODE_KEY", "artifacts/canary-dashboard-snapshot.zip"),
        snapshot_runs=env.get("SNAPSHOT_RUNS", "Weekly"),
        target_email=env.get("TARGET_EMAIL", "operator@example.com"),
        stack_name=stack_name,
        retry_mode=env.get("AWS_RETRY_MODE", "standard"),
        max_attempts=int(env.get("AWS_MAX_ATTEMPTS", "4")),
        cache_dir=env.get("CACHE_DIR", "/tmp/l4e-dashboards"),
        function_names={widget: env.get(variable, widget) for widget, variable in FUNCTION_VARIABLES.items()},
    )
