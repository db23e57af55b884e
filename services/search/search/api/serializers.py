"""What the search API reads (its query parameters) and writes (one hit per document)."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from search.indexing import DOCUMENT_FIELDS
from search.models import SearchDocument


class SearchParamsSerializer(serializers.Serializer):
    """`q`: the words to look for (required, not blank, at most SEARCH_MAX_QUERY_LENGTH characters)."""

    q = serializers.CharField(max_length=settings.SEARCH_MAX_QUERY_LENGTH, trim_whitespace=True)


class SearchHitSerializer(serializers.ModelSerializer):
    """A matching product and its relevance score (higher is better; comparable within one query)."""

    score = serializers.FloatField()

    class Meta:
        model = SearchDocument
        fields = ["product_id", *DOCUMENT_FIELDS, "score"]
        read_only_fields = fields
