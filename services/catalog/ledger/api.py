"""The ledger's API: is it gone everywhere? `GET /api/v1/deletions/{id}/`, its events, and the list.

Reading the ledger needs a token and the `ledger.view_deletion` permission (the admin user has it).
"""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.reverse import reverse

from catalog.api.filters import StrictFilterSet, UtcIsoDateTimeFilter
from ledger import outcomes
from ledger.models import Deletion, DeletionEvent, Receipt
from shared_contracts import topology
from shared_contracts.events import ReceiptStatus

FAILED_EVENTS_SHOWN = 100
RECEIPT_STATUSES = [status.value for status in ReceiptStatus]


def overdue_cutoff():
    """Deletions requested before this and still pending are overdue."""
    return timezone.now() - timedelta(seconds=settings.LEDGER_OVERDUE_SECONDS)


class CanViewDeletions(permissions.BasePermission):
    """Authenticated, with the view permission on deletions."""

    def has_permission(self, request, view):
        """A token (or session) whose user may view deletions."""
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("ledger.view_deletion"))


class ServiceProgressSerializer(serializers.Serializer):
    """One service's part of a deletion."""

    expected = serializers.IntegerField(help_text="Receipts it owes (one per event bound to it).")
    received = serializers.IntegerField()
    pending = serializers.IntegerField()
    statuses = serializers.DictField(child=serializers.IntegerField(), help_text="Receipts by status.")
    last_receipt_at = serializers.DateTimeField(allow_null=True)


class FailedEventSerializer(serializers.Serializer):
    """An event a service could not handle, and why."""

    event_id = serializers.UUIDField()
    event_type = serializers.CharField()
    service = serializers.CharField()
    reason = serializers.CharField()
    attempts = serializers.IntegerField()
    handled_at = serializers.DateTimeField()


class DeletionSerializer(serializers.ModelSerializer):
    """A deletion as the list shows it: status, counts and times."""

    url = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    pending = serializers.SerializerMethodField()

    class Meta:
        model = Deletion
        fields = [
            "id",
            "url",
            "kind",
            "summary",
            "status",
            "overdue",
            "requested_at",
            "requested_by",
            "correlation_id",
            "events",
            "expected_total",
            "settled",
            "failed",
            "pending",
            "last_receipt_at",
            "completed_at",
            "failed_at",
        ]
        read_only_fields = fields

    def get_url(self, deletion: Deletion) -> str:
        """Where to follow this deletion."""
        return reverse("deletion-detail", args=[deletion.pk], request=self.context.get("request"))

    def get_overdue(self, deletion: Deletion) -> bool:
        """Still pending longer than LEDGER_OVERDUE_SECONDS."""
        return deletion.status == Deletion.Status.PENDING and deletion.requested_at < overdue_cutoff()

    def get_pending(self, deletion: Deletion) -> int:
        """Receipts still owed."""
        return max(deletion.expected_total - deletion.settled - deletion.failed, 0)


class DeletionDetailSerializer(DeletionSerializer):
    """A deletion with each service's progress and the failed events with their reasons."""

    events_url = serializers.SerializerMethodField()
    services = serializers.SerializerMethodField()
    failed_events = serializers.SerializerMethodField()

    class Meta(DeletionSerializer.Meta):
        fields = [*DeletionSerializer.Meta.fields, "events_url", "services", "failed_events"]
        read_only_fields = fields

    def get_events_url(self, deletion: Deletion) -> str:
        """Each event and what every service said of it."""
        return reverse("deletion-events", args=[deletion.pk], request=self.context.get("request"))

    @extend_schema_field(serializers.DictField(child=ServiceProgressSerializer()))
    def get_services(self, deletion: Deletion) -> dict:
        """Per service: what it owes, what it sent, by status, and its last receipt's time."""
        return {
            service: {
                "expected": entry["expected"],
                "received": entry["received"],
                "pending": max(entry["expected"] - entry["received"], 0),
                "statuses": entry["statuses"],
                "last_receipt_at": entry["last_receipt_at"],
            }
            for service, entry in outcomes.receipt_counts(deletion).items()
        }

    @extend_schema_field(FailedEventSerializer(many=True))
    def get_failed_events(self, deletion: Deletion) -> list:
        """The first events that are failed now, with the reason each service gave."""
        if not deletion.failed:
            return []
        return FailedEventSerializer(outcomes.failed_receipts(deletion, FAILED_EVENTS_SHOWN), many=True).data


class ReceiptOfEventSerializer(serializers.Serializer):
    """One service's word on one event (`pending` until it sent one)."""

    status = serializers.ChoiceField(choices=["pending", *RECEIPT_STATUSES])
    reason = serializers.CharField(allow_blank=True)
    attempts = serializers.IntegerField(allow_null=True)
    handled_at = serializers.DateTimeField(allow_null=True)


class DeletionEventSerializer(serializers.ModelSerializer):
    """An event of a deletion and what each service bound to its type reported."""

    receipts = serializers.SerializerMethodField()

    class Meta:
        model = DeletionEvent
        fields = ["event_id", "event_type", "subject", "receipts"]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(child=ReceiptOfEventSerializer()))
    def get_receipts(self, event: DeletionEvent) -> dict:
        """Per expected service: its receipt, or `pending`."""
        held = self.context["receipts"].get(event.event_id, {})
        answer = {}
        for service in topology.expected_services(event.event_type):
            receipt = held.get(service)
            answer[service] = (
                {"status": "pending", "reason": "", "attempts": None, "handled_at": None}
                if receipt is None
                else {
                    "status": receipt.status,
                    "reason": receipt.reason,
                    "attempts": receipt.attempts,
                    "handled_at": receipt.handled_at,
                }
            )
        return answer


class StrictBooleanField(forms.Field):
    """`true` or `false` (also 1/0); anything else is an error, not silently "no filter"."""

    def to_python(self, value):
        """Parse the two spellings, refuse the rest."""
        if value in (None, ""):
            return None
        if str(value).lower() in ("true", "1"):
            return True
        if str(value).lower() in ("false", "0"):
            return False
        raise ValidationError("Must be true or false.", code="invalid")


@extend_schema_field({"type": "boolean"})
class StrictBooleanFilter(django_filters.BooleanFilter):
    """A boolean query filter that refuses what is not a boolean."""

    field_class = StrictBooleanField


class DeletionFilter(StrictFilterSet):
    """Filter deletions by status, kind, whether they are overdue, and when they were requested."""

    status = django_filters.ChoiceFilter(choices=Deletion.Status.choices)
    kind = django_filters.ChoiceFilter(choices=Deletion.Kind.choices)
    overdue = StrictBooleanFilter(method="filter_overdue", help_text="Pending for too long.")
    requested_after = UtcIsoDateTimeFilter(field_name="requested_at", lookup_expr="gte")
    requested_before = UtcIsoDateTimeFilter(field_name="requested_at", lookup_expr="lt")

    class Meta:
        model = Deletion
        fields = ["status", "kind"]

    def filter_overdue(self, queryset, name, value):
        """Overdue: pending and requested before the cutoff (or, with false, the others)."""
        late = Q(status=Deletion.Status.PENDING, requested_at__lt=overdue_cutoff())
        return queryset.filter(late) if value else queryset.exclude(late)


class DeletionViewSet(viewsets.ReadOnlyModelViewSet):
    """Deletions: one per delete request, `complete` once every service reported on every event."""

    queryset = Deletion.objects.all()
    serializer_class = DeletionSerializer
    permission_classes = [CanViewDeletions]
    filterset_class = DeletionFilter
    ordering_fields = ["requested_at", "status"]
    lookup_value_regex = "[0-9a-fA-F-]{36}"

    def get_serializer_class(self):
        """The detail view shows each service's progress; the list, counts."""
        if self.action == "retrieve":
            return DeletionDetailSerializer
        if self.action == "events":
            return DeletionEventSerializer
        return DeletionSerializer

    @extend_schema(responses=DeletionEventSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], filter_backends=[])
    def events(self, request, pk=None):
        """The deletion's events in the order they were emitted, each with every expected service's word."""
        deletion = self.get_object()
        page = self.paginate_queryset(DeletionEvent.objects.filter(deletion=deletion).order_by("id"))
        ids = [event.event_id for event in page]
        receipts: dict = {}
        for receipt in Receipt.objects.filter(deletion=deletion, event_id__in=ids):
            receipts.setdefault(receipt.event_id, {})[receipt.service] = receipt
        serializer = DeletionEventSerializer(
            page, many=True, context={"request": request, "receipts": receipts}
        )
        return self.get_paginated_response(serializer.data)
