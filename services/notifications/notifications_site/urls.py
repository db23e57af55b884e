"""URLs of the notifications service: the API, its OpenAPI and Swagger UI, the admin, health."""

from django.contrib import admin
from django.urls import include, path

from notifications_site import health
from ripple_runtime.web import openapi

urlpatterns = [
    path("api/v1/", include("notifications.api.urls")),
    *openapi.urlpatterns(),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]

handler400 = "ripple_runtime.web.errors.bad_request"
handler403 = "ripple_runtime.web.errors.permission_denied"
handler404 = "ripple_runtime.web.errors.not_found"
handler500 = "ripple_runtime.web.errors.server_error"
