"""BatchGetAssetPropertyValueHistory for the SiteWise fake: many properties' histories, one shared page.

As in AWS, a request holds at most 16 entries, each with its own start and end; the page closes at
maxResults values (at most 20,000) or at 4 MB, across entries in entry order. An entry finished on an
earlier page comes back as skipped with SUCCESS, one not reached yet is left out, and an unknown
property is an error entry on the first page only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sized
from typing import Any

from .wire import FakeServiceError

BATCH_HISTORY_ENTRIES_LIMIT = 16
BATCH_HISTORY_LIMIT = 20_000


def reached_entries(
    entries: list[dict[str, Any]], read: Callable[[dict[str, Any]], Sized], offset: int, page: dict[str, Any]
) -> tuple[list[tuple[dict[str, Any], Any, int]], int]:
    """The entries a page from `offset` may hold, each with its values and where they start among all
    entries' values, and the total: an entry refused is an error entry (on the first page only), one
    finished on an earlier page is skipped with SUCCESS. Shared by the batch history and aggregates."""
    reached, position = [], 0
    for entry in entries:
        try:
            values = read(entry)
        except FakeServiceError as error:
            if offset == 0:
                page["errorEntries"].append(
                    {"entryId": entry["entryId"], "errorCode": error.code, "errorMessage": error.message}
                )
            continue
        start, position = position, position + len(values)
        if position <= offset and not (offset == 0 and not len(values)):
            page["skippedEntries"].append({"entryId": entry["entryId"], "completionStatus": "SUCCESS"})
        else:
            reached.append((entry, values, start))
    return reached, position


def batch_history_page(
    params: dict[str, Any],
    history: Callable[[dict[str, Any]], list[dict[str, Any]]],
    offset: int,
    page_size: int,
    page_bytes: int,
) -> tuple[dict[str, Any], int, int]:
    """One page from `offset` (values counted across entries): the page, the next offset, and the total.

    `history(entry)` gives an entry's values in its order; the page holds at most `page_size` values and
    `page_bytes` of their JSON (at least one value, so that paging moves on)."""
    entries = params["entries"]
    if len(entries) > BATCH_HISTORY_ENTRIES_LIMIT:
        raise FakeServiceError("InvalidRequestException", f"at most {BATCH_HISTORY_ENTRIES_LIMIT} entries")
    page: dict[str, Any] = {"successEntries": [], "skippedEntries": [], "errorEntries": []}
    reached, total = reached_entries(entries, history, offset, page)
    budget, room = page_size, page_bytes
    for entry, values, start in reached:
        if budget <= 0 and values:
            continue
        taken: list[dict[str, Any]] = []
        for value in values[max(offset - start, 0) :]:
            size = len(json.dumps(value))
            if budget <= 0 or (size > room and (taken or budget < page_size)):
                budget = 0  # closed at 4 MB or maxResults: the next page goes on from here
                break
            taken.append(value)
            budget, room = budget - 1, room - size
        page["successEntries"].append({"entryId": entry["entryId"], "assetPropertyValueHistory": taken})
    sent = sum(len(item["assetPropertyValueHistory"]) for item in page["successEntries"])
    return page, offset + sent, total
