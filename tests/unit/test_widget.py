from lookout_dashboards.errors import ResourceNotFoundError
from lookout_dashboards.events import WidgetEvent
from lookout_dashboards.widget import serve_widget
from tests.conftest import load_event

DOCS = "## Example\n```yaml\nmodel: my-model\n```"


def test_describe_returns_the_documentation() -> None:
    assert serve_widget(load_event("describe"), documentation=DOCS, render=lambda event: "drawn") == DOCS


def test_render_gets_the_parsed_event() -> None:
    seen: list[WidgetEvent] = []

    def render(event: WidgetEvent) -> str:
        seen.append(event)
        return "drawn"

    assert serve_widget(load_event("widget-full"), documentation=DOCS, render=render) == "drawn"
    assert seen[0].context.width == 1200


def test_widget_errors_become_a_message_in_the_frame() -> None:
    def render(event: WidgetEvent) -> str:
        raise ResourceNotFoundError("Not found: model <b>gone</b>.")

    output = serve_widget({}, documentation=DOCS, render=render)

    assert "Not found: model &lt;b&gt;gone&lt;/b&gt;." in output
    assert "<b>" not in output


def test_unexpected_errors_show_no_stack_trace() -> None:
    def render(event: WidgetEvent) -> str:
        raise KeyError("secret internal detail")

    output = serve_widget({}, documentation=DOCS, render=render)

    assert "unexpected error" in output
    assert "secret internal detail" not in output and "Traceback" not in output


def test_an_event_that_is_not_an_object_is_refused_politely() -> None:
    assert "JSON object" in serve_widget(["not", "an", "object"], documentation=DOCS, render=lambda e: "x")  # type: ignore[arg-type]
