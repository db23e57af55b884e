"""Wire an EventService into a Celery app: shared settings, its task queue, its tasks, its consumer step.

Every service's `<service>_site/celery.py` is one call:

    app = service_app("media_site.settings", "media.service.SERVICE")

and `celery -A media_site worker` runs the service's consumer step and tasks, and prunes what the
service keeps only for a while on its timer (ripple_runtime.retention).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from celery import Celery, signals
from django.conf import settings
from django.db import close_old_connections
from django.utils.module_loading import import_string

from ripple_runtime import periodic, retention
from ripple_runtime.messaging import consumer, queues, tasks
from ripple_runtime.messaging.service import EventService
from ripple_runtime.metrics import processes as metrics_processes
from ripple_runtime.outbox.worker_step import OutboxRelayStep
from ripple_runtime.tracing import logs
from shared_contracts import topology

DB_REUSE_MAX = 1000  # tasks on one database connection before Celery's fixup reconnects


def configure(app: Celery, service: EventService) -> None:
    """Apply the settings every Ripple worker shares: late acks, quorum task queue, task events for Flower."""
    queue = queues.task_queue(service.subscription)
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
        # Every publish of the app waits for the broker's confirm: a retry, a follow-up task sent
        # from a task. Unconfirmed, such a message can vanish without an error: written to a
        # connection its node was closing, or sent by a channel opened during a quorum queue's
        # leader election to the leader that had just stopped (seen in the cluster fault scenario).
        broker_transport_options={"confirm_publish": True},
        # Delayed delivery (retry countdowns) set up through the connected node only (messaging.delayed).
        worker_consumer="ripple_runtime.messaging.delayed:Consumer",
        # A channel error while (re)connecting is retried like a lost connection, not fatal. After
        # a cluster node stops, the worker's remote-control queue (exclusive, on that node) can
        # still be held by the dead connection for a moment: RESOURCE_LOCKED would end the worker.
        broker_channel_error_retry=True,
        broker_heartbeat=30,
        worker_hijack_root_logger=False,
        # Celery's Django fixup closes every database connection before and after each task
        # unless this is set: a new connection per task (on PostgreSQL a backend process, 4-10 ms
        # of a single delete's path). It forces a reconnect every DB_REUSE_MAX tasks instead, and
        # the signals below check the connection around each task as Django does around a request.
        CELERY_DB_REUSE_MAX=DB_REUSE_MAX,
    )
    logs.connect_celery_signals()  # the service's LOGGING in the worker, the task id on every line
    for signal in (signals.task_prerun, signals.task_postrun):
        signal.connect(close_stale_connections, weak=False, dispatch_uid=f"ripple.db.{signal.name}")


def close_stale_connections(task=None, **_signal_arguments) -> None:
    """Before and after each task: close a connection that broke or outlived DATABASE_CONN_MAX_AGE.

    What Django does at the start and end of every request; with CONN_HEALTH_CHECKS the next
    query first makes sure the kept connection still answers. An eager task (tests) runs inside
    its caller's transaction and is left alone, as Celery's own fixup does.
    """
    if task is not None and getattr(task.request, "is_eager", False):
        return
    close_old_connections()


def install(app: Celery, service: EventService) -> None:
    """Configure the app, register its tasks, add the consumer step, the pruning step and the receipts' relay.

    The catalog has a relay process of its own; every other service's worker publishes its
    receipts from a relay child process it supervises.
    """
    configure(app, service)
    for event_type in service.handlers:
        tasks.register(app, service, event_type)
    app.steps["consumer"].add(consumer.step_for(service))
    app.task(name=retention.task_name(service.name), ignore_result=True, shared=False)(
        retention.prune_old_rows
    )
    app.steps["worker"].add(
        periodic.task_step(
            "PruneOldRows",
            retention.task_name(service.name),
            lambda: settings.RETENTION["PRUNE_EVERY_SECONDS"],
        )
    )
    runs_relay = topology.publish_exchange(service.name) != topology.EVENTS_EXCHANGE_NAME
    if runs_relay:
        app.steps["worker"].add(OutboxRelayStep)
    metrics_processes.connect_worker(service.name, runs_relay)


def service_app(settings_module: str, service_path: str, include: Sequence[str] = ()) -> Celery:
    """The Celery app of a service: Django settings (CELERY_* namespace), then the service wired in."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    service: EventService = import_string(service_path)
    app = Celery(service.name, include=list(include))
    app.config_from_object("django.conf:settings", namespace="CELERY")
    install(app, service)
    return app
