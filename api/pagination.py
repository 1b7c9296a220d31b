from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """{count, next, previous, results}; a client may ask for bigger pages, but never more than
    100 rows, so one request stays cheap whatever it asks."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
