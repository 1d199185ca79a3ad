"""Every HTML helper escapes what it is given: parse the output and look at what a browser sees."""

import json
from html.parser import HTMLParser

import pytest

from lookout_dashboards import html
from lookout_dashboards.domain import ExecutionStatus, ModelStatus

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "\"quoted\" and 'single'",
    "Tom & Jerry &amp; more",
    "</cwdb-action><script>alert(1)</script>",
]


class Page(HTMLParser):
    """Collects tags, attributes and text the way a browser would see them."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(str(markup))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def tag_names(self) -> list[str]:
        return [tag for tag, _ in self.tags]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_action_button_keeps_payload_and_confirmation_as_text(hostile: str) -> None:
    markup = html.action_button(hostile, "l4e-list-models", {"model": hostile}, confirmation=hostile)
    page = Page(markup)

    assert page.tag_names() == ["a", "cwdb-action"]
    action = page.tags[1][1]
    assert action == {"action": "call", "endpoint": "l4e-list-models", "display": "widget", "confirmation": hostile}
    assert page.text[0] == hostile
    assert json.loads(page.text[1]) == {"model": hostile}


def test_disabled_button_has_no_action() -> None:
    page = Page(html.action_button("Create", "fn", {}, disabled=True))

    assert page.tag_names() == ["a"]
    assert "disabled" in page.tags[0][1]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_dashboard_link_encodes_the_name(hostile: str) -> None:
    page = Page(html.dashboard_link(hostile, hostile))

    assert page.tag_names() == ["a"]
    href = page.tags[0][1]["href"]
    assert href is not None
    assert href.startswith("#dashboards:name=")
    assert not set(href.removeprefix("#dashboards:name=")) & set("<>\"' &")
    assert page.text == [hostile]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_message_escapes_text(hostile: str) -> None:
    message = Page(html.message(hostile, "error", hostile))

    assert "img" not in message.tag_names() and "script" not in message.tag_names()
    assert [text for text in message.text if text.strip()][-2:] == [hostile, hostile]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_table_escapes_headers_caption_and_cells_but_keeps_helper_markup(hostile: str) -> None:
    page = Page(html.table([hostile], [[hostile, html.status_label(ModelStatus.SUCCESS)]], caption=hostile))

    assert "img" not in page.tag_names() and "script" not in page.tag_names()
    assert page.tag_names().count("span") == 1
    assert page.text.count(hostile) == 3


def test_every_status_has_a_word_and_a_tone() -> None:
    for enum, words in html.STATUSES.items():
        assert set(words) == set(enum)
        for status in enum:
            label = Page(html.status_label(status))
            assert label.text == [html.status_word(status)]
            assert label.tags[0][1]["class"] == f"l4e-status l4e-{words[status][1]}"


def test_equal_texts_of_different_statuses_keep_their_own_words() -> None:
    assert (html.status_word(ModelStatus.SUCCESS), html.status_word(ExecutionStatus.SUCCESS)) == ("trained", "success")
    assert html.status_word(ModelStatus.IN_PROGRESS) == "training"
