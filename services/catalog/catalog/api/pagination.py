"""Page-number pagination that refuses page sizes above the limit instead of silently clamping."""

from __future__ import annotations

from django.conf import settings
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class BoundedPageNumberPagination(PageNumberPagination):
    """`?page=` and `?page_size=` (1 … API_MAX_PAGE_SIZE); anything else is a 400."""

    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:
        """The largest page a client may ask for."""
        return settings.API_MAX_PAGE_SIZE

    def get_page_size(self, request) -> int:
        """Validate `page_size` and return it, or the default page size (ASCII digits only: no 500s)."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        digits_ok = raw.isascii() and raw.isdigit() and len(raw) <= len(str(self.max_page_size))
        if not digits_ok or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError({"page_size": [f"Must be a whole number from 1 to {self.max_page_size}."]})
        return int(raw)
