"""The catalog API: CRUD for categories and products, media upload and delete, bulk delete.

Every delete opens one deletion in the ledger; the answer says where to follow it.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse

from catalog.api.filters import MediaFilter, ProductFilter
from catalog.api.permissions import CanDeleteProducts, CatalogPermissions
from catalog.api.serializers import (
    BulkDeleteReportSerializer,
    BulkDeleteSerializer,
    CategorySerializer,
    MediaSerializer,
    ProductSerializer,
)
from catalog.models import Category, Product, ProductMedia
from ledger import scope
from ledger.models import Deletion


def deletion_url(request, opened: scope.OpenDeletion) -> str | None:
    """Where to follow a deletion, or None when nothing was deleted."""
    if opened.written is None:
        return None
    return reverse("deletion-detail", args=[opened.id], request=request)


class LedgerDeleteMixin:
    """A delete runs in one transaction with all its events, as one deletion; `Location` says where it is."""

    def destroy(self, request, *args, **kwargs):
        """Delete the instance (and its cascade), answer 204 with the deletion's URL in `Location`."""
        instance = self.get_object()
        kind = Deletion.Kind.CASCADE if isinstance(instance, Category) else Deletion.Kind.SINGLE
        with scope.deletion(kind, f"{instance._meta.model_name} {instance.pk}") as opened:
            instance.delete()
        response = Response(status=status.HTTP_204_NO_CONTENT)
        url = deletion_url(request, opened)
        if url:
            response["Location"] = url
        return response


class CategoryViewSet(LedgerDeleteMixin, viewsets.ModelViewSet):
    """Categories; deleting one deletes its products and their media."""

    queryset = Category.objects.annotate(product_count=Count("products")).order_by("name", "id")
    serializer_class = CategorySerializer
    permission_classes = [CatalogPermissions]
    filterset_fields = ["slug"]
    ordering_fields = ["id", "name", "slug", "created_at", "updated_at"]
    search_fields = ["name", "slug"]


class ProductViewSet(LedgerDeleteMixin, viewsets.ModelViewSet):
    """Products with their media."""

    queryset = Product.objects.select_related("category").prefetch_related("media")
    serializer_class = ProductSerializer
    permission_classes = [CatalogPermissions]
    filterset_class = ProductFilter
    ordering_fields = ["id", "sku", "name", "price", "created_at", "updated_at"]
    search_fields = ["sku", "name", "description"]

    def get_queryset(self):
        """Reads fetch category and media up front; a delete needs neither (the Collector loads its rows)."""
        if self.action == "destroy":
            return Product.objects.all()
        return super().get_queryset()

    @extend_schema(request=BulkDeleteSerializer, responses={200: BulkDeleteReportSerializer})
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk-delete",
        permission_classes=[CanDeleteProducts],
    )
    def bulk_delete(self, request):
        """Delete products by `ids` or `filter` (capped) as one deletion; `dry_run` says what would go."""
        body = BulkDeleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        cap = settings.BULK_DELETE_MAX_PRODUCTS
        wanted = body.validated_data.get("ids")
        queryset = Product.objects.all()
        if wanted is not None:
            if len(wanted) > cap:
                raise ValidationError({"ids": [f"At most {cap} ids per request."]})
            queryset = queryset.filter(pk__in=wanted)
        else:
            given = body.initial_data["filter"]  # as typed, read by the list's own filters
            filterset = ProductFilter(
                data={name: given[name] for name in body.validated_data["filter"]}, queryset=queryset
            )
            if not filterset.is_valid():
                raise ValidationError({"filter": filterset.errors})
            queryset = filterset.qs
        with scope.deletion(Deletion.Kind.BULK, "bulk delete") as opened:
            ids = list(queryset.order_by("pk").values_list("pk", flat=True)[: cap + 1])
            if len(ids) > cap:
                raise ValidationError({"filter": [f"Matches more than {cap} products; narrow it down."]})
            report = {
                "dry_run": body.validated_data["dry_run"],
                "products": len(ids),
                "media": ProductMedia.objects.filter(product_id__in=ids).count(),
                "product_ids": ids,
            }
            if wanted is not None:
                report["missing_ids"] = sorted(set(wanted) - set(ids))
            if not report["dry_run"] and ids:
                opened.summary = f"bulk delete of {len(ids)} products"
                Product.objects.filter(pk__in=ids).delete()
        report["deletion_id"] = opened.id if opened.written else None
        report["deletion_url"] = deletion_url(request, opened)
        return Response(report, status=status.HTTP_200_OK)


class MediaViewSet(
    LedgerDeleteMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Media files of products: upload (multipart: `product` and the `file` itself), list, read, delete."""

    queryset = ProductMedia.objects.all()
    serializer_class = MediaSerializer
    permission_classes = [CatalogPermissions]
    parser_classes = [MultiPartParser]
    filterset_class = MediaFilter
    ordering_fields = ["id", "created_at", "size"]
