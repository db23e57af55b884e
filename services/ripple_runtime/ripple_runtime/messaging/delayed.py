"""Celery's native delayed delivery, set up through the node the worker is connected to.

A retry's countdown on a quorum queue travels through Celery's `celery_delayed_*` exchanges
and queues, which its consumer step declares and binds each time the worker (re)connects.
Celery's step does that on every URL of BROKER_URL's failover list and retries a node that is
down three times: after losing a cluster node, every worker consumed nothing for about 17 s
(measured in the cluster fault scenario). The URLs of a failover list are nodes of one cluster,
whose exchanges, queues and bindings are cluster-wide, so the node the worker has just reached
is enough. If that fails, the consumer restarts and tries again through the next node.

`Consumer` is Celery's consumer with this step in place of its own (`worker_consumer`).
"""

from __future__ import annotations

import logging

from celery.worker.consumer import Consumer as CeleryConsumer
from celery.worker.consumer.delayed_delivery import DelayedDelivery
from kombu.utils.url import maybe_sanitize_url

log = logging.getLogger(__name__)


class ConnectedNodeDelayedDelivery(DelayedDelivery):
    """Declare and bind the delayed-delivery topology once, on the node of the worker's connection."""

    def start(self, c) -> None:
        """Set up through the current connection's node; an error restarts the consumer."""
        self._validate_queue_type(c.app.conf.broker_native_delayed_delivery_queue_type)
        url = c.connection.as_uri(include_password=True)
        try:
            self._setup_delayed_delivery(c, url)
        except Exception:
            log.warning("could not set up delayed delivery through %s; reconnecting", maybe_sanitize_url(url))
            raise


class Consumer(CeleryConsumer):
    """Celery's worker consumer, setting up delayed delivery through the connected node only."""

    class Blueprint(CeleryConsumer.Blueprint):
        """Celery's consumer steps, `ConnectedNodeDelayedDelivery` in place of `DelayedDelivery`."""

        default_steps = [
            f"{__name__}:ConnectedNodeDelayedDelivery" if step.endswith(":DelayedDelivery") else step
            for step in CeleryConsumer.Blueprint.default_steps
        ]
