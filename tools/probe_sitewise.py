"""`invoke probe-sitewise`: ask a real account what the SiteWise documentation leaves open, read-only.

The adapter had to guess list orders, map keys and the result format (the reference's open
questions). This probe reads the account's own anomaly-detection computation models and writes a
Markdown report with, beside each answer, what the code assumes, so maintainers can settle the
guesses. It reads only through `tools.probe_reads`, which keeps it to reads and caps its calls.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import botocore

from lookout_dashboards.sources import sitewise_formats as formats
from lookout_dashboards.sources.sitewise_gateway import (
    HISTORY_PAGE_SIZE,
    INFERENCE,
    LIST_PAGE_SIZE,
    MAX_EXECUTION_PAGES,
    TRAINING,
)
from tools.probe_reads import (
    MAX_CALLS,
    UUID,
    Account,
    Read,
    Target,
    actions,
    choose_targets,
    executions,
    keys_and_shapes,
    resolved_assets,
    result_history,
    sample,
    shape,
    summary,
)

RESULTS_PARSED = 20
KINDS = (("training", TRAINING), ("inference", INFERENCE))
OLDEST_FIRST, NEWEST_FIRST, UNSORTED, TOO_FEW = "oldest first", "newest first", "unsorted", "too few items to tell"
_NEVER = datetime.min.replace(tzinfo=UTC)
_DIAGNOSTIC_NAME = re.compile(rf"^{UUID}(\\+){UUID}$")


FOOTER = """## Please send this report to the maintainers

Open an issue in this project's repository titled `SiteWise probe report` and paste this report.
It holds no names, ids or long values: key names, short tokens, counts and timestamp patterns.
Read it before sending, and add anything the service answered that surprised you.
"""


QUESTIONS = {
    "orders": (
        "1. Order of lists",
        "ListComputationModels, ListComputationModelResolveToResources: nothing (shown in the order listed).",
        f"ListExecutions: nothing: every page (up to {MAX_EXECUTION_PAGES * LIST_PAGE_SIZE:,} runs) is read and "
        "sorted by executionStartTime.",
        "ListActions: nothing: every action of the type wanted is described (once, then kept) and the newest "
        "is the one with the latest executionTime.",
    ),
    "keys": (
        "2. Keys of executionResult, executionDetails and the execution summary",
        f"A failure's reason is under one of {', '.join(f'`{key}`' for key in formats.FAILURE_KEYS)} (any case), "
        "else under any key naming an error, a failure or a reason.",
        "The execution summary has `inferenceTimerActive` (TRUE or true), and the active version under one of "
        f"{', '.join(f'`{key}`' for key in formats.ACTIVE_MODEL_VERSION_KEYS)}; it is empty before a training "
        "succeeded.",
    ),
    "pages": (
        "3. Page sizes",
        f"List pages hold up to maxResults={LIST_PAGE_SIZE} items; the code follows nextToken whatever the size.",
        f"GetAssetPropertyValueHistory pages hold up to maxResults={HISTORY_PAGE_SIZE:,} values or close at 4 MB.",
    ),
    "results": (
        f"4. Result values (the {RESULTS_PARSED} newest of each model)",
        "Keys `timestamp`, `prediction` (0 or 1), `prediction_reason`, `diagnostics`; `anomaly_score` optional.",
        "prediction_reason: NO_ANOMALY_DETECTED or ANOMALY_DETECTED; unknown ones are accepted.",
        "A diagnostics name is `<assetId>`, a run of backslashes (how many is a guess), `<propertyId>`.",
        "The project's parser `inference_result` reads every value.",
    ),
    "versions": (
        "5. Which model version is active",
        "The execution summary names it under one of the keys above; else it is the newest START payload's "
        "targetModelVersion, unless a training succeeded after that START; else it is not known. Start never "
        "sends targetModelVersion.",
        "A completed training's executionEntityVersion is the model version it made.",
    ),
    "definitions": (
        "6. actionName and actionType in actionDefinitions",
        f"actionType, else actionName, is `{TRAINING}` or `{INFERENCE}`.",
    ),
}


@dataclass
class Section:
    """One question: what the account answered beside what the code assumes, and what could not be read."""

    title: str
    assumed: Sequence[str]
    found: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def note(self, label: str, error: str | None) -> bool:
        """Record a failed read of model `label` (or of the account) under this question, once; True if it failed."""
        line = f"{label}: {error}" if label else str(error)
        if error and line not in self.failed:
            self.failed.append(line)
        return bool(error)

    def order(self, label: str, what: str, listing: Read, times: Sequence[Any], extra: str = "") -> None:
        if not self.note(label, listing.error):
            more = ", more pages unread" if listing.more else ""
            self.found.append(
                f"{label} {what}: **{order_of(times)}** ({len(listing.items)} listed{extra}{more})".strip()
            )

    def pages(self, label: str, what: str, listing: Read) -> None:
        if not self.note(label, listing.error):
            more = " (more unread)" if listing.more else ""
            self.found.append(f"{label} {what}: pages of {', '.join(map(str, listing.page_sizes))}{more}".strip())


@dataclass
class Report:
    header: list[str]
    sections: list[Section]

    def markdown(self) -> str:
        lines = ["# IoT SiteWise anomaly detection: probe report", "", *[f"- {line}" for line in self.header]]
        for section in self.sections:
            lines += ["", f"## {section.title}", "", "**Found**", ""]
            lines += [f"- {line}" for line in section.found or ["nothing to report"]]
            lines += ["", "**The code assumes**", "", *[f"- {line}" for line in section.assumed]]
            if section.failed:
                lines += ["", "**Could not read**", "", *[f"- {line}" for line in section.failed]]
        return "\n".join([*lines, "", FOOTER])


def order_of(times: Sequence[datetime | None]) -> str:
    """A listing's order judged from its items' times; equal times count as neither way."""
    known = [moment for moment in times if moment is not None]
    if len(set(known)) < 2:
        return TOO_FEW
    if all(a <= b for a, b in itertools.pairwise(known)):
        return OLDEST_FIRST
    if all(a >= b for a, b in itertools.pairwise(known)):
        return NEWEST_FIRST
    return UNSORTED


def counted(counter: Counter[Any]) -> str:
    return ", ".join(f"{key} ({count})" for key, count in counter.most_common()) or "none"


def described_actions(account: Account, target: Target, section: Section) -> list[dict[str, Any]]:
    """DescribeAction of a sample of the listed actions (an action summary carries no time)."""
    listing = actions(account, target)
    answers = [account.one("DescribeAction", actionId=item["actionId"]) for item in sample(listing.items)]
    section.note(target.label, listing.error)
    return [answer.response for answer in answers if not section.note(target.label, answer.error)]


def ask_orders(account: Account, target: Target, section: Section) -> None:
    for kind, action_type in KINDS:
        runs = executions(account, target, action_type)
        times = [item.get("executionStartTime") for item in runs.items]
        section.order(target.label, f"ListExecutions ({kind}) by executionStartTime", runs, times)
    times = [item.get("executionTime") for item in described_actions(account, target, section)]
    section.order(
        target.label, "ListActions by executionTime", actions(account, target), times, f", {len(times)} dated"
    )
    if target.asset_id:
        assets = resolved_assets(account, target.model_id)
        ids = [item["resolveTo"]["assetId"] for item in assets.items]
        answers = [account.one("DescribeAsset", assetId=asset, excludeProperties=True) for asset in sample(ids)]
        dated = [a.response.get("assetCreationDate") for a in answers if not section.note(target.label, a.error)]
        by_id = "" if ids == sorted(ids) else " not"
        what = "ListComputationModelResolveToResources by assetCreationDate"
        section.order(target.label, what, assets, dated, f", {len(dated)} dated,{by_id} sorted by asset id")


def ask_keys(account: Account, target: Target, section: Section) -> None:
    listed = {kind: executions(account, target, action_type) for kind, action_type in KINDS}
    failed = [run for listing in listed.values() for run in listing.items if _state(run) == "FAILED"]
    picked = {f"newest {kind}": _newest(listing.items) for kind, listing in listed.items()}
    if _newest(failed) not in picked.values():
        picked["newest failed run"] = _newest(failed)
    for what, run in picked.items():
        answer = account.one("DescribeExecution", executionId=run["executionId"]) if run else None
        if answer is None or section.note(target.label, answer.error):
            continue
        result, details = answer.response.get("executionResult"), answer.response.get("executionDetails")
        reason = formats.failure_reason(result, details) if _state(run) == "FAILED" else None
        section.found.append(
            f"{target.label} {what} ({_state(run)}): executionResult {keys_and_shapes(result)}; executionDetails "
            f"{keys_and_shapes(details)}{f'; failure_reason() reads {shape(reason)}' if reason else ''}"
        )
    for listing in listed.values():
        section.note(target.label, listing.error)
    answer = summary(account, target)
    if not section.note(target.label, answer.error):
        document = answer.response.get("computationModelExecutionSummary")
        parsed = formats.execution_summary(document)
        section.found.append(
            f"{target.label} execution summary: {keys_and_shapes(document)}; execution_summary() reads "
            f"inference active {parsed.inference_active}, active version {parsed.active_model_version}"
        )


def ask_pages(account: Account, target: Target, section: Section, now: datetime) -> None:
    for kind, action_type in KINDS:
        section.pages(target.label, f"ListExecutions ({kind})", executions(account, target, action_type))
    section.pages(target.label, "ListActions", actions(account, target))
    history = result_history(account, target, now)
    if not section.note(target.label, history.error):
        values = history.response.get("assetPropertyValueHistory", [])
        length = history.response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("content-length")
        size = f"{int(length):,} bytes" if length else f"about {len(json.dumps(values, default=str)):,} bytes"
        token = "a nextToken followed" if history.response.get("nextToken") else "no nextToken"
        section.found.append(
            f"{target.label} GetAssetPropertyValueHistory (result property, DESCENDING): first page "
            f"{len(values):,} values, {size}, {token}"
        )


def ask_results(account: Account, target: Target, section: Section, now: datetime) -> None:
    history = result_history(account, target, now)
    if section.note(target.label, history.error):
        return
    values = history.response.get("assetPropertyValueHistory", [])[:RESULTS_PARSED]
    keys, reasons, stamps, names, parsed = (Counter[str]() for _ in range(5))
    for text in (item.get("value", {}).get("stringValue") for item in values):
        try:
            formats.inference_result(text, {})
            parsed["ok"] += 1
        except formats.SiteWiseFormatError as error:
            parsed[f"failed ({str(error)[:60]})"] += 1
        record = _json(text)
        keys.update(record.keys())
        reasons[shape(record.get("prediction_reason"))] += 1
        stamps[re.sub(r"\d", "9", str(record.get("timestamp")))] += 1
        names.update(_name_format(item) for item in record.get("diagnostics") or [] if isinstance(item, Mapping))
    section.found.append(
        f"{target.label}: {len(values)} values; keys {counted(keys)}; anomaly_score in {keys['anomaly_score']} of "
        f"{len(values)}; prediction_reason {counted(reasons)}; timestamp {counted(stamps)}; diagnostics names "
        f"{counted(names)}; inference_result {counted(parsed)}"
    )


def ask_versions(account: Account, target: Target, section: Section) -> None:
    answer = summary(account, target)
    if not section.note(target.label, answer.error):
        document = answer.response.get("computationModelExecutionSummary") or {}
        versions = {key: value for key, value in document.items() if "version" in key.lower()}
        section.found.append(f"{target.label} execution summary keys like a version: {keys_and_shapes(versions)}")
    trainings = executions(account, target, TRAINING)
    if not section.note(target.label, trainings.error):
        runs = sorted(trainings.items, key=lambda item: item.get("executionStartTime") or _NEVER)[::-1][:5]
        described = "; ".join(
            f"{_state(run)} executionEntityVersion {shape(run.get('executionEntityVersion'))} "
            f"targetResourceVersion {shape(run.get('targetResourceVersion'))}"
            for run in runs
        )
        section.found.append(f"{target.label} newest trainings first: {described or 'none'}")
    definitions = target.description.get("actionDefinitions", [])
    inference = {item.get("actionDefinitionId") for item in definitions if _kind(item) == INFERENCE}
    starts = [
        action
        for action in described_actions(account, target, section)
        if action.get("actionDefinitionId") in inference and _start(action)
    ]
    last = max(starts, key=lambda action: action.get("executionTime") or _NEVER, default=None)
    if last:
        version = shape(_json(_payload(last)).get("targetModelVersion"))
        section.found.append(f"{target.label} last START of the actions described: targetModelVersion {version}")
    elif not actions(account, target).error:
        section.found.append(f"{target.label} no START among the actions described")


def ask_definitions(target: Target, section: Section) -> None:
    pairs = [
        f"actionName {shape(item.get('actionName'))}, actionType {shape(item.get('actionType'))}"
        for item in target.description.get("actionDefinitions", [])
    ]
    section.found.append(f"{target.label}: {'; '.join(pairs) or 'no actionDefinitions'}")


def probe(
    client: Any, *, model_id: str = "", max_models: int = 5, max_calls: int = MAX_CALLS, now: datetime | None = None
) -> tuple[Report, Account]:
    """Ask every question of the account's anomaly-detection models; a failed read costs only its answers."""
    now = now or datetime.now(UTC)
    account = Account(client, max_calls)
    kind = {"computationModelType": "ANOMALY_DETECTION"}
    models = account.listing("ListComputationModels", "computationModelSummaries", **kind)
    targets, problems = choose_targets(account, models, model_id, max_models)
    sections = {name: Section(title, assumed) for name, (title, *assumed) in QUESTIONS.items()}
    created = [item.get("creationDate") for item in models.items]
    sections["orders"].order("", "ListComputationModels by creationDate", models, created)
    sections["pages"].pages("", "ListComputationModels", models)
    for target in targets:
        ask_orders(account, target, sections["orders"])
        ask_keys(account, target, sections["keys"])
        ask_pages(account, target, sections["pages"], now)
        ask_results(account, target, sections["results"], now)
        ask_versions(account, target, sections["versions"])
        ask_definitions(target, sections["definitions"])
    asked = "the model asked for" if model_id else f"at most the first {max_models} listed"
    probed = ", ".join(f"{t.label} at {'asset-model' if t.asset_id else 'asset'} level" for t in targets)
    header = [
        f"Region {client.meta.region_name}, {now:%Y-%m-%d %H:%M} UTC, botocore {botocore.__version__}.",
        f"{len(models.items)} ANOMALY_DETECTION models listed{' (more unread)' if models.more else ''}; "
        f"{len(targets)} probed ({asked}): {probed or 'none'}.",
        f"{len(account.operations)} calls of at most {max_calls}, reads only: "
        f"{', '.join(sorted(set(account.operations))) or 'none'}.",
        *[f"Not probed: {problem}" for problem in problems],
        *([f"Not listed: {models.error}"] if models.error else []),
    ]
    return Report(header, list(sections.values())), account


def _state(run: Mapping[str, Any]) -> str:
    return str(run.get("executionStatus", {}).get("state", "?"))


def _newest(runs: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    return max(runs, key=lambda run: run.get("executionStartTime") or _NEVER, default=None)


def _kind(definition: Mapping[str, Any]) -> Any:
    return definition.get("actionType") or definition.get("actionName")


def _payload(action: Mapping[str, Any]) -> str:
    return str(action.get("actionPayload", {}).get("stringValue", ""))


def _start(action: Mapping[str, Any]) -> bool:
    try:
        return formats.inference_payload(_payload(action)).mode == "START"
    except formats.SiteWiseFormatError:
        return False


def _json(text: Any) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def _name_format(item: Mapping[str, Any]) -> str:
    name = item.get("name")
    match = _DIAGNOSTIC_NAME.match(name) if isinstance(name, str) else None
    return f"two ids joined by {len(match.group(1))} backslash(es)" if match else f"other: {shape(name)}"
