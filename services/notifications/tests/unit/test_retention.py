"""The notifications worker prunes finished deliveries (and their attempts) by age; open ones stay."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.handlers import plan_deliveries
from notifications.models import Delivery, DeliveryAttempt
from ripple_runtime import retention
from tests.conftest import product_deleted

pytestmark = pytest.mark.django_db


def deliveries(status: str, days_ago: float, count: int = 1) -> set:
    """Deliveries to the endpoint in `status`, last changed `days_ago`, each with one attempt; their ids."""
    planned = Delivery.objects.bulk_create(plan_deliveries([product_deleted(n) for n in range(count)]))
    ids = {delivery.pk for delivery in planned}
    DeliveryAttempt.objects.bulk_create(
        DeliveryAttempt(delivery=d, number=1, attempted_at=timezone.now(), outcome="retrying", latency_ms=5)
        for d in planned
    )
    Delivery.objects.filter(pk__in=ids).update(
        status=status, updated_at=timezone.now() - timedelta(days=days_ago)
    )
    return ids


def test_finished_deliveries_go_with_their_attempts_after_the_retention_and_open_ones_stay(endpoint):
    old_finished = (
        deliveries("succeeded", 31, count=2) | deliveries("failed", 40) | deliveries("disabled", 60)
    )
    young = deliveries("succeeded", 29) | deliveries("failed", 1)
    open_old = deliveries("pending", 400) | deliveries("retrying", 400)

    assert retention.prune_round()["finished deliveries"] == len(old_finished) == 4
    assert set(Delivery.objects.values_list("pk", flat=True)) == young | open_old
    assert set(DeliveryAttempt.objects.values_list("delivery_id", flat=True)) == young | open_old


def test_finished_deliveries_are_pruned_in_bounded_batches(endpoint, settings):
    settings.RETENTION = {**settings.RETENTION, "BATCH_SIZE": 2, "ROUND_LIMIT": 3}
    deliveries("succeeded", 100, count=5)
    assert retention.prune_round()["finished deliveries"] == 3
    assert retention.prune_round()["finished deliveries"] == 2
    assert not Delivery.objects.exists() and not DeliveryAttempt.objects.exists()
