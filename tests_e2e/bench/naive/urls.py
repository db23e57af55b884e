"""The naive shop's few routes: delete one product, bulk-delete products, search, health."""

from django.urls import path

from tests_e2e.bench.naive.shop import views

urlpatterns = [
    path("healthz", views.healthz),
    path("products/<int:product_id>/", views.delete_product),
    path("products/bulk-delete/", views.bulk_delete),
    path("search", views.search),
]
