"""Gauges computed when Prometheus scrapes: the outbox backlog, the dead-letter queue's depth, and more.

Each is one cheap question (one aggregate query, or one passive queue declare) asked by the
process that owns the state: a relay about its outbox, a worker about its dead-letter queue and
whatever its service adds (settings.METRICS_QUESTIONS: the catalog's ledger). A question that
fails is left out of that scrape (and logged), so a database or broker outage never hides the
other metrics.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from ripple_runtime.metrics import STATE_GAUGES

log = logging.getLogger(__name__)


def outbox_backlog(service: str) -> Iterator[GaugeMetricFamily]:
    """Pending and parked outbox rows of a service and the age of its oldest pending row, in one query."""
    from django.db.models import Count, Min, Q
    from django.utils import timezone

    from ripple_runtime.outbox.models import OutboxEvent

    pending = Q(parked_at__isnull=True)
    found = OutboxEvent.objects.filter(service=service, published_at__isnull=True).aggregate(
        pending=Count("id", filter=pending),
        parked=Count("id", filter=~pending),
        oldest=Min("created_at", filter=pending),
    )
    age = (timezone.now() - found["oldest"]).total_seconds() if found["oldest"] else 0.0
    yield gauge("ripple_outbox_pending_rows", service, found["pending"])
    yield gauge("ripple_outbox_parked_rows", service, found["parked"])
    yield gauge("ripple_outbox_oldest_pending_age_seconds", service, max(age, 0.0))


def dead_letter_depth(service: str) -> Iterator[GaugeMetricFamily]:
    """Messages in the service's dead-letter queue (a passive declare: it never creates the queue)."""
    from django.conf import settings
    from kombu import Connection

    from shared_contracts.topology import SUBSCRIPTIONS

    queue = SUBSCRIPTIONS[service].dead_letter_queue_name
    with Connection(settings.BROKER_URL, connect_timeout=3) as conn:
        depth = conn.default_channel.queue_declare(queue=queue, passive=True).message_count
    yield gauge("ripple_dead_letter_queue_depth", service, depth)


def gauge(name: str, service: str, value: float) -> GaugeMetricFamily:
    """One of the STATE_GAUGES, with its meaning as help and the `service` label."""
    family = GaugeMetricFamily(name, STATE_GAUGES[name], labels=["service"])
    family.add_metric([service], value)
    return family


Question = Callable[[str], Iterator[GaugeMetricFamily]]


class StateCollector(Collector):
    """Asks its questions about one service at every scrape, each on its own."""

    def __init__(self, service: str, questions: list[Question]):
        """The service and what to ask about it."""
        self.service = service
        self.questions = questions

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """The answer of every question that could be answered now; the scrape thread's connections closed."""
        from django.db import connections

        try:
            for question in self.questions:
                try:
                    yield from list(question(self.service))
                except Exception:  # the database or the broker is away: this gauge sits out one scrape
                    log.warning("metrics: %s of %s failed", question.__name__, self.service, exc_info=True)
        finally:
            connections.close_all()  # each scrape runs on a thread of its own

    def describe(self) -> list:
        """Nothing up front: registering asks no question."""
        return []
