"""Page-number pagination that answers 400 for a bad page or page size instead of guessing."""

from __future__ import annotations

from django.conf import settings
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


def whole_number(raw: str, name: str, highest: int | None = None) -> int:
    """Parse a positive whole number query parameter, at most `highest`; 400 otherwise."""
    if raw.isascii() and raw.isdigit() and len(raw) <= 9 and 1 <= int(raw) <= (highest or int(raw)):
        return int(raw)
    bound = f"from 1 to {highest}" if highest else "of 1 or more"
    raise ValidationError({name: [f"Must be a whole number {bound}."]})


class SearchPagination(PageNumberPagination):
    """`?page=` (1 or more; past the last page is a 404) and `?page_size=` (1 … SEARCH_MAX_PAGE_SIZE)."""

    page_size_query_param = "page_size"

    @property
    def page_size(self) -> int:
        """The default page size."""
        return settings.SEARCH_PAGE_SIZE

    @property
    def max_page_size(self) -> int:
        """The largest page a client may ask for."""
        return settings.SEARCH_MAX_PAGE_SIZE

    def get_page_size(self, request) -> int:
        """The requested page size, or the default."""
        raw = request.query_params.get(self.page_size_query_param)
        return self.page_size if raw is None else whole_number(raw, "page_size", self.max_page_size)

    def get_page_number(self, request, paginator) -> int:
        """The requested page number, or 1."""
        raw = request.query_params.get(self.page_query_param)
        return 1 if raw is None else whole_number(raw, "page")
