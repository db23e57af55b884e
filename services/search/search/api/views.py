"""`GET /api/v1/search?q=…`: ranked, paginated full-text search over the product index."""

from __future__ import annotations

from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from search.api.pagination import SearchPagination
from search.api.serializers import SearchHitSerializer, SearchParamsSerializer
from search.backends import SearchResults


class SearchView(APIView):
    """Products whose name, description, SKU or category match every word of `q`, best first."""

    permission_classes = [AllowAny]

    def get(self, request):
        """Validate the query, rank the matches and return one page of them."""
        params = SearchParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        paginator = SearchPagination()
        page = paginator.paginate_queryset(SearchResults(params.validated_data["q"]), request, view=self)
        return paginator.get_paginated_response(SearchHitSerializer(page, many=True).data)
