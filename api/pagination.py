from functools import partial
from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from workflows.paging import CountingPaginator


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

    django_paginator_class: Any = CountingPaginator
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    last_page_strings = ()

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        return _positive_int(raw, self.page_size_query_param, self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None, known_count: int | None = None):
        """`known_count`: the list's exact count when the caller has it without counting rows
        (workflows.paging)."""
        raw = request.query_params.get(self.page_query_param)
        if raw is not None:
            _positive_int(raw, self.page_query_param)
        if known_count is not None:
            self.django_paginator_class = partial(CountingPaginator, known_count=known_count)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters
