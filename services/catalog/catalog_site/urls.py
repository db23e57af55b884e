"""URLs of the catalog: the API, its docs, the admin and the health endpoints."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from catalog_site import health
from ripple_runtime.web import openapi

urlpatterns = [
    path("api/v1/", include("catalog.api.urls")),
    *openapi.urlpatterns(),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
if settings.SERVE_MEDIA:  # handy locally; in production a web server or CDN serves MEDIA_ROOT
    urlpatterns.append(
        path(
            f"{settings.MEDIA_URL.strip('/')}/<path:path>",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    )

handler400 = "ripple_runtime.web.errors.bad_request"
handler403 = "ripple_runtime.web.errors.permission_denied"
handler404 = "ripple_runtime.web.errors.not_found"
handler500 = "ripple_runtime.web.errors.server_error"
