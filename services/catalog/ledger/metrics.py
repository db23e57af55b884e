"""The ledger's gauges, computed when the catalog worker's `/metrics` is scraped (METRICS_QUESTIONS)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from ledger.models import Deletion
from ripple_runtime.metrics.scrape import gauge


def open_deletions(service: str) -> Iterator[GaugeMetricFamily]:
    """Deletions still pending and the age of the oldest, in one query (the status and time index)."""
    found = Deletion.objects.filter(status=Deletion.Status.PENDING).aggregate(
        open=Count("id"), oldest=Min("requested_at")
    )
    age = (timezone.now() - found["oldest"]).total_seconds() if found["oldest"] else 0.0
    yield gauge("ripple_ledger_open_deletions", service, found["open"])
    yield gauge("ripple_ledger_oldest_pending_age_seconds", service, max(age, 0.0))
