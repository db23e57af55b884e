"""URLs of the search service: the search API, its OpenAPI and Swagger UI, health; every error is JSON."""

from django.urls import re_path

from ripple_runtime.web import openapi
from search.api.views import SearchView
from search_site import health

urlpatterns = [
    re_path(r"^api/v1/search/?$", SearchView.as_view(), name="search"),
    *openapi.urlpatterns(),
    re_path(r"^healthz/?$", health.healthz, name="healthz"),
    re_path(r"^readyz/?$", health.readyz, name="readyz"),
]

handler400 = "ripple_runtime.web.errors.bad_request"
handler404 = "ripple_runtime.web.errors.not_found"
handler500 = "ripple_runtime.web.errors.server_error"
handler403 = "ripple_runtime.web.errors.permission_denied"
