"""An event-consuming service in one declaration: its handlers, its retry policy, its Celery wiring.

    SERVICE = EventService(
        name="media",
        handlers={"catalog.media.deleted.v1": "media.handlers.delete_media_files"},
        retry=RetryPolicy(max_retries=5, base_delay=2, max_delay=300),
    )
    SERVICE.install(celery_app)

Handlers are named by dotted path and imported on first use, so the Celery app module can be
imported before Django has loaded its apps (as `celery -A … worker` does). A handler takes a
list of validated events of its type (already filtered through the inbox) and runs inside the
same database transaction that records them as processed. It raises `PermanentFailure` for an
event that can never succeed (dead-lettered at once); any other exception is retried with
backoff, then dead-lettered.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from celery import Celery
from django.utils.module_loading import import_string

from shared_contracts import topology
from shared_contracts.events import EVENT_MODELS, CloudEvent

Handler = Callable[[list[CloudEvent]], None]
HandlerRef = str | Handler


class PermanentFailure(Exception):
    """An event that retrying cannot fix (bad data, a refused storage key): dead-letter it now."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, capped; or an explicit schedule of delays in seconds."""

    max_retries: int = 5
    base_delay: float = 1.0
    max_delay: float = 300.0
    schedule: Sequence[float] = ()

    def countdown(self, attempt: int) -> int:
        """Seconds to wait before retry number `attempt` (1-based): jittered, never below one."""
        if self.schedule:
            delay = self.schedule[min(attempt, len(self.schedule)) - 1]
        else:
            delay = self.base_delay * 2 ** (attempt - 1)
        delay = min(delay, self.max_delay)
        return max(1, round(delay * random.uniform(0.75, 1.0)))  # noqa: S311 - jitter, not crypto


@dataclass(frozen=True)
class EventService:
    """A consuming service: its name (as in topology.SUBSCRIPTIONS), handlers and tuning."""

    name: str
    handlers: Mapping[str, HandlerRef]
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    batch_size: int = 100
    flush_interval: float = 0.05
    prefetch: int = 400

    def __post_init__(self):
        """Refuse handlers for unknown event types or a service the topology does not know."""
        if self.name not in topology.SUBSCRIPTIONS:
            raise ValueError(f"service {self.name!r} has no subscription in topology.SUBSCRIPTIONS")
        unknown = set(self.handlers) - set(EVENT_MODELS)
        if unknown:
            raise ValueError(f"handlers for unknown event types: {sorted(unknown)}")

    @property
    def subscription(self) -> topology.Subscription:
        """The service's queues and bindings."""
        return topology.SUBSCRIPTIONS[self.name]

    def handler(self, event_type: str) -> Handler:
        """The handler of an event type, imported on first use if named by dotted path."""
        ref = self.handlers[event_type]
        return import_string(ref) if isinstance(ref, str) else ref

    def task_name(self, event_type: str) -> str:
        """The Celery task that handles one event type, e.g. `media.catalog.media.deleted.v1`."""
        return f"{self.name}.{event_type}"

    def install(self, app: Celery) -> None:
        """Configure the Celery app, register one task per handled type and the event consumer."""
        from shared_contracts.messaging import consumer, tasks
        from shared_contracts.messaging.celery_config import configure

        configure(app, self)
        app.ripple_service = self
        for event_type in self.handlers:
            tasks.register(app, self, event_type)
        app.steps["consumer"].add(consumer.EventConsumerStep)
