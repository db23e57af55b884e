"""Page-number pagination that refuses bad or oversized page sizes (a 400) instead of guessing."""

from __future__ import annotations

from django.conf import settings
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

MAX_PAGE_NUMBER = 999_999_999  # whole_number reads at most 9 digits


def whole_number(raw: str, name: str, highest: int | None = None) -> int:
    """Parse a positive whole-number query parameter (ASCII digits, at most `highest`); 400 otherwise."""
    if (
        raw.isascii()
        and raw.isdigit()
        and len(raw) <= len(str(MAX_PAGE_NUMBER))
        and 1 <= int(raw) <= (highest or int(raw))
    ):
        return int(raw)
    bound = f"from 1 to {highest}" if highest else "of 1 or more"
    raise ValidationError({name: [f"Must be a whole number {bound}."]})


class BoundedPageNumberPagination(PageNumberPagination):
    """`?page=` and `?page_size=` (1 … API_MAX_PAGE_SIZE; anything else is a 400)."""

    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:
        """The largest page a client may ask for."""
        return settings.API_MAX_PAGE_SIZE

    def get_page_size(self, request) -> int:
        """The requested page size, or the default."""
        raw = request.query_params.get(self.page_size_query_param)
        return self.page_size if raw is None else whole_number(raw, "page_size", self.max_page_size)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        """`page` and `page_size` in the API schema, with the bounds this class enforces."""
        parameters = super().get_schema_operation_parameters(view)
        bounds = {self.page_query_param: MAX_PAGE_NUMBER, self.page_size_query_param: self.max_page_size}
        for parameter in parameters:
            if parameter["name"] in bounds:
                parameter["schema"].update(minimum=1, maximum=bounds[parameter["name"]])
        return parameters
