import hashlib
from functools import cached_property
from typing import Any

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Max
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

COUNT_TTL = 600


def latest_change() -> int | None:
    """Every change to a case writes a CaseEvent in its transaction (workflows.services), so
    the newest event id moves whenever any count could have; reading it is one index probe."""
    from workflows.models import CaseEvent

    return CaseEvent.objects.aggregate(latest=Max("id"))["latest"]


class CountCachingPaginator(Paginator):
    """Counting 200,000 visible cases reads 200,000 index entries on every page, which made the
    first page of a county 4 times slower than a village's (bench/bench_api.py). The count of a
    case query is kept in the cache under its SQL (scope, filters and today's date are in it) and
    the latest case event: any change to any case makes a new key, so the count stays exact —
    but is computed once per change, not once per page."""

    @cached_property
    def count(self) -> int:
        queryset: Any = self.object_list
        from cases.models import Case

        if getattr(queryset, "model", None) is not Case:
            return super().count
        sql, params = queryset.query.sql_with_params()
        digest = hashlib.sha256(repr((sql, params, latest_change())).encode()).hexdigest()
        key = f"tiaojie:case-count:{digest}"
        found = cache.get(key)
        if found is None:
            found = queryset.count()
            cache.set(key, found, COUNT_TTL)
        return found


def _positive_int(raw: str, name: str, maximum: int | None = None) -> int:
    # ASCII digits only ("²".isdigit() is true), and short enough for int() to be cheap.
    value = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else 0
    if value < 1 or (maximum is not None and value > maximum):
        bound = f"1至{maximum}之间" if maximum else "不小于1"
        raise ValidationError({name: [f"须为{bound}的整数。"]})
    return value


class Pagination(PageNumberPagination):
    """{count, next, previous, results}; a client may ask for up to 100 rows a page. A page or
    page size that is not such an integer is 400 invalid (DRF would silently ignore a bad size
    and answer 404 for a bad page); a page past the end is 404."""

    django_paginator_class = CountCachingPaginator
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    last_page_strings = ()

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        return _positive_int(raw, self.page_size_query_param, self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param)
        if raw is not None:
            _positive_int(raw, self.page_query_param)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters
