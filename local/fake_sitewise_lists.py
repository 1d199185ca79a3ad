"""How the SiteWise fake orders and cuts its pages where AWS leaves it open or sets a size limit.

AWS documents no order for several lists, so code that reads them must not depend on one: tests pick
an order per list and check the answer does not change. Value histories close a page at 4 MB as well
as at maxResults, so a reader must follow nextToken even when a page holds fewer values than asked.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from typing import Any, TypeVar

Record = TypeVar("Record")

#: The lists whose order AWS leaves open; each can be given a `ListOrder`.
ORDERABLE_LISTS = (
    "ListAssets",
    "ListComputationModels",
    "ListComputationModelResolveToResources",
    "ListExecutions",
    "ListActions",
)
#: Where a value history closes its page if maxResults has not closed it first.
HISTORY_PAGE_BYTES = 4 * 1024 * 1024


class ListOrder(StrEnum):
    """The order of a list AWS documents no order for; ties always keep the order of recording."""

    RECORDED = "recorded"
    OLDEST_FIRST = "oldest-first"
    NEWEST_FIRST = "newest-first"
    UNSORTED = "unsorted"


#: The orders other than the default, for tests to parametrize with.
ORDERS = (ListOrder.OLDEST_FIRST, ListOrder.NEWEST_FIRST, ListOrder.UNSORTED)


def in_order(
    records: Sequence[Record], order: ListOrder, *, time: Callable[[Record], float], identity: Callable[[Record], str]
) -> list[Record]:
    """The records of one listing in `order`.

    UNSORTED ranks each record by a number seeded with its identity, so every page of a listing
    continues the same permutation; three or more records with distinct times never come out
    oldest or newest first."""
    if order == ListOrder.RECORDED:
        return list(records)
    if order in (ListOrder.OLDEST_FIRST, ListOrder.NEWEST_FIRST):
        return sorted(records, key=time, reverse=order == ListOrder.NEWEST_FIRST)
    shuffled = sorted(records, key=lambda record: random.Random(f"unsorted:{identity(record)}").random())  # noqa: S311
    times = [time(record) for record in shuffled]
    if len(shuffled) >= 3 and times in (sorted(times), sorted(times, reverse=True)):
        shuffled = [*shuffled[1:], shuffled[0]]
    return shuffled


def fill_page(values: Iterable[dict[str, Any]], budget: int) -> list[dict[str, Any]]:
    """The leading values whose JSON fits in `budget` bytes, at least one so that paging moves on.

    Only the values offered are serialised, one at a time: the page being built, never the history."""
    page: list[dict[str, Any]] = []
    used = 0
    for value in values:
        used += len(json.dumps(value))
        if page and used > budget:
            break
        page.append(value)
    return page
