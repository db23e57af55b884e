"""`GET /api/v1/search?q=…`: ranked, paginated full-text search over the product index."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny

from search.api.pagination import SearchPagination
from search.api.serializers import SearchHitSerializer, SearchParamsSerializer
from search.backends import SearchResults


@extend_schema(parameters=[SearchParamsSerializer], tags=["search"])
class SearchView(ListAPIView):
    """Products whose name, description, SKU or category match every word of `q`, best first."""

    permission_classes = [AllowAny]
    serializer_class = SearchHitSerializer
    pagination_class = SearchPagination
    filter_backends = []

    def get_queryset(self) -> SearchResults:
        """Validate the query; the ranking runs when the paginator reads its page."""
        params = SearchParamsSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return SearchResults(params.validated_data["q"])
