"""An event-consuming service in one declaration: its handlers and its retry policy.

    SERVICE = EventService(
        name="media",
        handlers={"catalog.media.deleted.v1": "media.handlers.delete_media_files"},
        retry=settings.EVENT_RETRY,
    )

This is a declaration only: `ripple_runtime.celery` wires it into a Celery app (its task
queue, one task per handled type, the consumer step). The handlers must match the service's
bindings in `shared_contracts.topology` exactly, or the declaration is refused: a handler for a
type no binding delivers would never run, and a binding nobody handles fills the queue with
events that are only acked away.

Handlers are named by dotted path and imported on first use, so the Celery app module can be
imported before Django has loaded its apps (as `celery -A … worker` does). A handler takes a
list of validated events of its type (already filtered through the inbox) and runs inside the
same database transaction that records them as processed. It may return, per event id, the
receipt status of events that were `not_applicable` here (nothing of them was held); every other
event's receipt says `done`. It raises `PermanentFailure` for an event that can never succeed
(dead-lettered at once); any other exception is retried with backoff, then dead-lettered.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.utils.module_loading import import_string

from ripple_runtime.retry import EVENT_RETRY, RetryPolicy
from shared_contracts import topology
from shared_contracts.events import EVENT_MODELS, CloudEvent, ReceiptStatus, routing_key_for

Handler = Callable[[list[CloudEvent]], Mapping[uuid.UUID, ReceiptStatus | None] | None]
HandlerRef = str | Handler


class PermanentFailure(Exception):
    """An event that retrying cannot fix (bad data, a refused storage key): dead-letter it now."""


class SubscriptionMismatch(ValueError):
    """A service's handlers and its queue bindings in the topology disagree."""


def check_subscription(sub: topology.Subscription, event_types: list[str]) -> None:
    """Refuse a handler for a type no binding delivers, and a binding that delivers no handled type."""
    unbound = [t for t in event_types if not sub.delivers(routing_key_for(t))]
    if unbound:
        raise SubscriptionMismatch(
            f"{sub.service} handles {unbound} but its queue {sub.queue_name} is bound only to "
            f"{list(sub.binding_keys)}: those handlers would never receive an event. "
            "Add the binding key to shared_contracts.topology.SUBSCRIPTIONS."
        )
    idle = [
        k
        for k in sub.binding_keys
        if not any(topology.topic_matches(k, routing_key_for(t)) for t in event_types)
    ]
    if idle:
        raise SubscriptionMismatch(
            f"{sub.service}'s queue {sub.queue_name} is bound to {idle}, which no handler of "
            f"{sorted(event_types)} takes: those events would only be acked away. "
            "Remove the binding from shared_contracts.topology.SUBSCRIPTIONS or add a handler."
        )


def family_of(event_type: str) -> str:
    """An event type's family: its routing key, the type without `.vN` (a type without one is its own)."""
    try:
        return routing_key_for(event_type)
    except ValueError:
        return event_type


@dataclass(frozen=True)
class EventService:
    """A consuming service: its name (as in topology.SUBSCRIPTIONS), handlers and tuning."""

    name: str
    handlers: Mapping[str, HandlerRef]
    retry: RetryPolicy = EVENT_RETRY
    batch_size: int = 100
    flush_interval: float = 0.05
    prefetch: int = 400

    def __post_init__(self):
        """Refuse an unknown service, unknown event types, and handlers that disagree with the bindings."""
        if self.name not in topology.SUBSCRIPTIONS:
            raise ValueError(f"service {self.name!r} has no subscription in topology.SUBSCRIPTIONS")
        unknown = set(self.handlers) - set(EVENT_MODELS)
        if unknown:
            raise ValueError(f"handlers for unknown event types: {sorted(unknown)}")
        check_subscription(self.subscription, list(self.handlers))

    @property
    def subscription(self) -> topology.Subscription:
        """The service's queues and bindings."""
        return topology.SUBSCRIPTIONS[self.name]

    def handled_versions(self, event_type: str) -> list[str]:
        """The handled types of an event type's family: same routing key, any `.vN`."""
        return sorted(t for t in self.handlers if family_of(t) == family_of(event_type))

    def is_other_version(self, event_type: str) -> bool:
        """Whether an unhandled type is another version of a handled family (e.g. a `.v2` of a `.v1`).

        Such an event is dead-lettered as `unhandled version` (to redrive after an upgrade), never
        acked away; a type of another family is acked and counted as ignored.
        """
        return event_type not in self.handlers and bool(self.handled_versions(event_type))

    def handler(self, event_type: str) -> Handler:
        """The handler of an event type, imported on first use if named by dotted path."""
        ref = self.handlers[event_type]
        return import_string(ref) if isinstance(ref, str) else ref

    def task_name(self, event_type: str) -> str:
        """The Celery task that handles one event type, e.g. `media.catalog.media.deleted.v1`."""
        return f"{self.name}.{event_type}"
