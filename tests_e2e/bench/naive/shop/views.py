"""The naive shop's views: plain Django, the deletes in one transaction each (the receivers fire inside)."""

import json

from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tests_e2e.bench.naive.shop.models import Product, SearchEntry


@require_GET
def healthz(request):
    """Alive."""
    return HttpResponse("ok")


@csrf_exempt
@require_http_methods(["DELETE"])
def delete_product(request, product_id: int):
    """Delete one product and its images; 204."""
    with transaction.atomic():
        get_object_or_404(Product, pk=product_id).delete()
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def bulk_delete(request):
    """Delete the products whose ids the JSON body lists (`{"ids": [...]}`); say how many."""
    ids = json.loads(request.body)["ids"]
    with transaction.atomic():
        _, per_model = Product.objects.filter(pk__in=ids).delete()
    return JsonResponse({"products": per_model.get("naive_shop.Product", 0)})


@require_GET
def search(request):
    """Products whose SKU or name contains `q`."""
    query = request.GET.get("q", "")
    hits = SearchEntry.objects.filter(sku__icontains=query) | SearchEntry.objects.filter(
        name__icontains=query
    )
    return JsonResponse({"results": [{"product_id": hit.product_id} for hit in hits[:50]]})
