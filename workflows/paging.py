"""The case lists' paginator (the list page and the API): exact counts without counting 200,000
rows on every page (SPEC §16)."""

from __future__ import annotations

import hashlib
from functools import cached_property
from typing import Any, cast

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db.models import Max

COUNT_TTL = 600


def latest_change() -> int:
    """Every change to a case writes a CaseEvent in its transaction (workflows.services), so
    the newest event id moves whenever any count could have; reading it is one index probe."""
    from workflows.models import CaseEvent

    latest: int | None = CaseEvent.objects.aggregate(latest=Max("id"))["latest"]
    return latest or 0


def latest_lead_change() -> int:
    """The newest lead event id: every change to a lead writes one in its transaction
    (screening.models.LeadEvent), as a case change writes a CaseEvent."""
    from screening.models import LeadEvent

    latest: int | None = LeadEvent.objects.aggregate(latest=Max("id"))["latest"]
    return latest or 0


class CountingPaginator(Paginator):  # type: ignore[type-arg]
    """A case list's count, cheapest first:
    - `known_count`, when the caller has it (workflows.selectors.tally_count: the case tallies
      each change keeps, for a list narrowed by scope, status, risk and region only);
    - else the cache, under the query's SQL (scope, filters and today's date are in it) and the
      latest case event: any change to any case makes a new key, so the count stays exact but
      is computed once per change, not once per page;
    - else counting the rows."""

    def __init__(self, *args: Any, known_count: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.known_count = known_count

    @cached_property
    def count(self) -> int:
        if self.known_count is not None:
            return self.known_count
        queryset: Any = self.object_list
        from cases.models import Case

        if getattr(queryset, "model", None) is not Case:
            return int(super().count)
        return cached_count(queryset)


def cached_count(queryset: Any, version: int | None = None) -> int:
    """A count of cases, cached under the query's SQL and the latest case event (`version`,
    when the caller has read it already): exact, and computed once per change."""
    if version is None:
        version = latest_change()
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # a condition no row can meet (a user in no committee)
        return 0
    digest = hashlib.sha256(repr((sql, params, version)).encode()).hexdigest()
    found = cache.get_or_set(f"tiaojie:case-count:{digest}", queryset.count, COUNT_TTL)
    return cast(int, found)
