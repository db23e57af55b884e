"""Routes of /api/v1/ (ids are numeric; anything else is a JSON 404)."""

from rest_framework.routers import DefaultRouter

from catalog.api import views
from ledger.api import DeletionViewSet


class NumericRouter(DefaultRouter):
    """A router whose detail routes accept only numeric ids."""

    include_format_suffixes = False

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        """Digits only (or the viewset's own `lookup_value_regex`): `/products/abc/` never reaches a view."""
        return rf"(?P<{lookup_prefix}pk>{getattr(viewset, 'lookup_value_regex', '[0-9]+')})"


router = NumericRouter(trailing_slash="/?")
router.register("categories", views.CategoryViewSet)
router.register("products", views.ProductViewSet)
router.register("media", views.MediaViewSet)
router.register("deletions", DeletionViewSet, basename="deletion")

urlpatterns = router.urls
