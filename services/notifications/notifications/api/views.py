"""The notifications API: CRUD for webhook endpoints and e-mail recipients, the delivery log."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import DjangoModelPermissions, IsAuthenticated
from rest_framework.response import Response

from notifications.api.serializers import (
    DeliveryFilterSerializer,
    DeliverySerializer,
    EmailRecipientSerializer,
    WebhookEndpointSerializer,
)
from notifications.models import Delivery, EmailRecipient, WebhookEndpoint


class RotateSecretPermission(DjangoModelPermissions):
    """Rotating a secret is a change of the endpoint."""

    perms_map = {**DjangoModelPermissions.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"]}


class WebhookEndpointViewSet(viewsets.ModelViewSet):
    """Webhook endpoints; the creator owns the endpoint and is the only one shown its secret."""

    queryset = WebhookEndpoint.objects.select_related("owner")
    serializer_class = WebhookEndpointSerializer
    lookup_value_regex = "[0-9]+"

    def perform_create(self, serializer) -> None:
        """The creator owns the new endpoint."""
        serializer.save(owner=self.request.user)

    @extend_schema(request=None)
    @action(
        detail=True, methods=["post"], url_path="rotate-secret", permission_classes=[RotateSecretPermission]
    )
    def rotate_secret(self, request, pk=None):
        """Issue a new secret; the old one still signs for NOTIFICATIONS_SECRET_ROTATION_GRACE_SECONDS."""
        endpoint = self.get_object()
        endpoint.rotate_secret(timedelta(seconds=settings.NOTIFICATIONS_SECRET_ROTATION_GRACE_SECONDS))
        return Response(self.get_serializer(endpoint).data)


class EmailRecipientViewSet(viewsets.ModelViewSet):
    """E-mail recipients."""

    queryset = EmailRecipient.objects.all()
    serializer_class = EmailRecipientSerializer
    lookup_value_regex = "[0-9]+"


@extend_schema_view(list=extend_schema(parameters=[DeliveryFilterSerializer]))
class DeliveryViewSet(viewsets.ReadOnlyModelViewSet):
    """The delivery log, newest first: `?status=`, `?channel=`, `?endpoint=`, `?recipient=`, `?event_id=`."""

    queryset = Delivery.objects.prefetch_related("attempts")
    serializer_class = DeliverySerializer
    permission_classes = [IsAuthenticated]
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"

    def get_queryset(self):
        """Apply the validated filters of the list."""
        queryset = super().get_queryset()
        if self.action != "list":
            return queryset
        params = DeliveryFilterSerializer(data=self.request.query_params.dict())
        params.is_valid(raise_exception=True)
        return queryset.filter(**params.filters())
