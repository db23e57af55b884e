"""Search's pagination: its own page sizes, and a bad page number is a 400 rather than a guess."""

from __future__ import annotations

from django.conf import settings

from ripple_runtime.web.pagination import BoundedPageNumberPagination, whole_number


class SearchPagination(BoundedPageNumberPagination):
    """`?page=` (1 or more; past the last page is a 404) and `?page_size=` (1 … SEARCH_MAX_PAGE_SIZE)."""

    @property
    def page_size(self) -> int:
        """The default page size."""
        return settings.SEARCH_PAGE_SIZE

    @property
    def max_page_size(self) -> int:
        """The largest page a client may ask for."""
        return settings.SEARCH_MAX_PAGE_SIZE

    def get_page_number(self, request, paginator) -> int:
        """The requested page number, or 1."""
        raw = request.query_params.get(self.page_query_param)
        return 1 if raw is None else whole_number(raw, "page")

    def paginate_queryset(self, queryset, request, view=None):
        """Tell the results which page is wanted, so its count and rows come from one query."""
        size = self.get_page_size(request)
        queryset.window((self.get_page_number(request, None) - 1) * size, size)
        return super().paginate_queryset(queryset, request, view)
