"""HTML for widgets: Jinja2 templates with autoescaping, so no value reaches the page raw.

`<cwdb-action>` payloads are JSON made by `json.dumps`, then escaped like any other text: the
console reads the element's text content, which the browser has already unescaped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from .domain import AlarmState, ExecutionStatus, InferenceOutcome, ModelStatus, SchedulerStatus

Display = Literal["widget", "popup"]
Tone = Literal["success", "failed", "progress", "neutral"]
MessageKind = Literal["info", "error", "empty"]
Status = ModelStatus | SchedulerStatus | ExecutionStatus | InferenceOutcome | AlarmState

#: The word and tone of each status, the same in every widget. Keyed by enum first: members of
#: different enums with the same text (`FAILED`) are equal, so one flat dict would mix them up.
STATUSES: dict[type[Status], dict[Any, tuple[str, Tone]]] = {
    ModelStatus: {
        ModelStatus.SUCCESS: ("trained", "success"),
        ModelStatus.FAILED: ("failed", "failed"),
        ModelStatus.IN_PROGRESS: ("training", "progress"),
        ModelStatus.IMPORT_IN_PROGRESS: ("importing", "progress"),
        ModelStatus.NOT_TRAINED: ("not trained", "neutral"),
        ModelStatus.NOT_KNOWN: ("not known now", "neutral"),
    },
    SchedulerStatus: {
        SchedulerStatus.PENDING: ("starting", "progress"),
        SchedulerStatus.RUNNING: ("running", "success"),
        SchedulerStatus.STOPPING: ("stopping", "progress"),
        SchedulerStatus.STOPPED: ("stopped", "neutral"),
        SchedulerStatus.NOT_KNOWN: ("not known now", "neutral"),
    },
    ExecutionStatus: {
        ExecutionStatus.IN_PROGRESS: ("in progress", "progress"),
        ExecutionStatus.SUCCESS: ("success", "success"),
        ExecutionStatus.FAILED: ("failed", "failed"),
    },
    InferenceOutcome: {
        InferenceOutcome.ANOMALOUS: ("anomalous", "failed"),
        InferenceOutcome.NORMAL: ("normal", "success"),
    },
    AlarmState: {
        AlarmState.OK: ("alarm OK", "success"),
        AlarmState.ALARM: ("in alarm", "failed"),
        AlarmState.INSUFFICIENT_DATA: ("alarm, no data yet", "neutral"),
    },
}


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template_name: str, **context: Any) -> Markup:
    """Render a template of this package; the result can be placed inside another template as it is."""
    rendered = environment().get_template(template_name).render(**context)
    return Markup(rendered)  # noqa: S704 - made by an autoescaping environment: every value was escaped


def _components() -> Any:
    """The macros of `components.html`; each returns `Markup`, already escaped."""
    return environment().get_template("components.html").module


def action_button(
    label: str,
    endpoint: str,
    payload: Mapping[str, Any],
    *,
    display: Display = "widget",
    confirmation: str | None = None,
    primary: bool = True,
    disabled: bool = False,
    why: str | None = None,
) -> Markup:
    """A console button that calls `endpoint` (a Lambda name or ARN) with `payload`; `why` it is disabled."""
    payload_json = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return _components().action_button(label, endpoint, payload_json, display, confirmation, primary, disabled, why)


def dashboard_link(label: str, dashboard_name: str, *, disabled: bool = False) -> Markup:
    """A button that opens another CloudWatch dashboard in the console."""
    return _components().dashboard_link(label, dashboard_name, disabled)


def status_word(status: Status) -> str:
    return STATUSES[type(status)][status][0]


def status_label(status: Status) -> Markup:
    """The status's word, coloured by its tone."""
    return _components().status_label(*STATUSES[type(status)][status])


def notice(text: str, kind: MessageKind = "info") -> Markup:
    """A message to place beside other content (a form, a table)."""
    return _components().message(text, kind)


def message(text: str, kind: MessageKind = "info", detail: str | None = None) -> str:
    """A whole widget body that says something instead of showing data."""
    return render("message.html", text=text, kind=kind, detail=detail)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], caption: str | None = None) -> Markup:
    """A table; cells are escaped unless they are `Markup` made by the helpers above."""
    return _components().table(list(headers), [list(row) for row in rows], caption)


def facts(items: Sequence[tuple[str, str]], highlight: str | None = None) -> Markup:
    """A short list of `name: value` lines; the line named `highlight` stands out."""
    return render("facts.html", facts=list(items), highlight=highlight)


def text_form(name: str, label: str, value: str, maxlength: int) -> Markup:
    """A one-field text form; CloudWatch sends what is typed in `forms.all` with the next call of the widget."""
    return _components().text_form(name, label, value, maxlength)


def select_form(name: str, label: str, options: Sequence[tuple[str, str]], selected: str) -> Markup:
    """A one-field form; CloudWatch sends its value in `forms.all` with every call of the widget."""
    return _components().select_form(name, label, list(options), selected)


def page(
    content: Markup | str,
    *,
    notice: str | None = None,
    notice_kind: MessageKind = "info",
    footnote: str | None = None,
) -> str:
    """A whole widget body: an optional notice (the outcome of an action), the content, a footnote."""
    return render("page.html", content=content, notice=notice, notice_kind=notice_kind, footnote=footnote)
