"""URLs of the search service: the search API, its OpenAPI and Swagger UI, health; every error is JSON."""

from django.urls import re_path

from search.api.views import SearchView
from search_site import health
from shared_contracts.web import openapi

urlpatterns = [
    re_path(r"^api/v1/search/?$", SearchView.as_view(), name="search"),
    *openapi.urlpatterns(),
    re_path(r"^healthz/?$", health.healthz, name="healthz"),
    re_path(r"^readyz/?$", health.readyz, name="readyz"),
]

handler400 = "shared_contracts.web.errors.bad_request"
handler404 = "shared_contracts.web.errors.not_found"
handler500 = "shared_contracts.web.errors.server_error"
handler403 = "shared_contracts.web.errors.permission_denied"
