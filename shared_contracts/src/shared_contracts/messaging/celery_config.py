"""Celery settings every Ripple worker shares: late acks, quorum task queue, task events for Flower."""

from __future__ import annotations

from typing import TYPE_CHECKING

from celery import Celery

if TYPE_CHECKING:
    from shared_contracts.messaging.service import EventService


def configure(app: Celery, service: EventService) -> None:
    """Apply the shared settings; a service's own CELERY_* settings may still override them later."""
    queue = service.subscription.task_queue()
    app.conf.update(
        task_queues=[queue],
        task_default_queue=queue.name,
        task_default_exchange=queue.exchange.name,
        task_default_exchange_type=queue.exchange.type,
        task_default_routing_key=queue.routing_key,
        task_routes={f"{service.name}.*": {"queue": queue.name}},
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,
        # A task is acked after it ran, and requeued if its worker process dies: nothing is lost.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_track_started=True,
        worker_prefetch_multiplier=4,
        # Flower sees every task of every service through these events.
        worker_send_task_events=True,
        task_send_sent_event=True,
        broker_connection_retry_on_startup=True,
        broker_heartbeat=30,
        worker_hijack_root_logger=False,
    )
