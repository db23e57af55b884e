"""Routes of /api/v1/ (numeric ids for subscriptions, UUIDs for deliveries; anything else is a JSON 404)."""

from rest_framework.routers import DefaultRouter

from notifications.api import views

router = DefaultRouter(trailing_slash="/?")
router.include_format_suffixes = False
router.register("webhooks", views.WebhookEndpointViewSet)
router.register("email-recipients", views.EmailRecipientViewSet)
router.register("deliveries", views.DeliveryViewSet)

urlpatterns = router.urls
