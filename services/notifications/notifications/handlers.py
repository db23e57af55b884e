"""Turn catalog events into deliveries: one per matching webhook endpoint and e-mail recipient.

Runs inside the runtime's transaction, together with the inbox insert. The delivery ids are
derived from the event and the subscriber, and a unique constraint backs them, so an event seen
twice never creates a second delivery. The first attempts start only after the transaction
committed: a batch of a few deliveries (a single delete's) makes them at once in the same worker
process, which saves a task's round trip on the path a user waits on; a larger one gets a task
per subscriber (see notifications.tasks).
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from notifications.models import Delivery, EmailRecipient, WebhookEndpoint
from shared_contracts.events import (
    CategoryDeletedV1,
    CloudEvent,
    DeletionCompletedV1,
    DeletionFailedV1,
    ProductDeletedV1,
    ReceiptStatus,
)

log = logging.getLogger(__name__)
DELIVERY_NAMESPACE = uuid.UUID("5b0f6f0e-2d0a-4c55-9a53-6c1c1f1e7a11")
# A committed batch of at most this many deliveries makes their first attempts at once, in the
# process that wrote them. Should it die mid-attempt, the claims lapse after their lease and the
# periodic requeue (notifications.requeue) gives those deliveries a task.
ATTEMPTED_AT_ONCE = 5


def delivery_id(event_id: uuid.UUID, channel: str, subscriber_id: int) -> uuid.UUID:
    """The one id a delivery of this event to this subscriber can have."""
    return uuid.uuid5(DELIVERY_NAMESPACE, f"{event_id}/{channel}/{subscriber_id}")


def plan_deliveries(events: Iterable[CloudEvent]) -> list[Delivery]:
    """A Delivery for every (event, active subscriber that wants its type) pair."""
    endpoints = list(WebhookEndpoint.objects.filter(is_active=True).only("id", "url", "event_types"))
    recipients = list(EmailRecipient.objects.filter(is_active=True).only("id", "email", "event_types"))
    planned = []
    for event in events:
        payload = event.to_json()
        common = {"event_id": event.id, "event_type": event.type, "payload": payload}
        for endpoint in endpoints:
            if endpoint.wants(event.type):
                planned.append(
                    Delivery(
                        id=delivery_id(event.id, Delivery.Channel.WEBHOOK, endpoint.pk),
                        channel=Delivery.Channel.WEBHOOK,
                        endpoint=endpoint,
                        **common,
                    )
                )
        for recipient in recipients:
            if recipient.wants(event.type):
                planned.append(
                    Delivery(
                        id=delivery_id(event.id, Delivery.Channel.EMAIL, recipient.pk),
                        channel=Delivery.Channel.EMAIL,
                        recipient=recipient,
                        **common,
                    )
                )
    return planned


def fan_out(events: list[CloudEvent]) -> dict[uuid.UUID, ReceiptStatus | None]:
    """Record the deliveries of a batch of events and start their first attempts once the batch commits.

    Receipts: an event nobody subscribed to is `not_applicable`; the others are answered when
    their last delivery closes (notifications.receipts), so None here (the runtime writes none).
    """
    planned = plan_deliveries(events)
    told = {delivery.event_id for delivery in planned}
    outcomes = {event.id: None if event.id in told else ReceiptStatus.NOT_APPLICABLE for event in events}
    if not planned:
        return outcomes
    Delivery.objects.bulk_create(planned, ignore_conflicts=True, batch_size=500)
    by_subscriber = defaultdict(list)
    for delivery in planned:
        subscriber_id = delivery.endpoint_id or delivery.recipient_id
        by_subscriber[delivery.channel, subscriber_id].append(str(delivery.pk))
    batches = [(channel, ids) for (channel, _), ids in by_subscriber.items()]
    transaction.on_commit(lambda: start_first_attempts(batches), robust=True)
    return outcomes


def start_first_attempts(batches: list[tuple[str, list[str]]]) -> None:
    """A few deliveries are tried at once, here; more get one first-attempt task per subscriber and chunk."""
    from notifications.tasks import first_attempts

    if sum(len(ids) for _, ids in batches) > ATTEMPTED_AT_ONCE:
        enqueue_batches(batches)
        return
    for channel, ids in batches:
        first_attempts(channel, ids, claimer=f"at-once-{uuid.uuid4()}")


def enqueue_batches(batches: list[tuple[str, list[str]]]) -> None:
    """One first-attempt task per subscriber and chunk; a delivery already done is skipped by it."""
    from notifications.tasks import deliver_batch

    size = settings.NOTIFICATIONS_BATCH_SIZE
    for channel, ids in batches:
        for start in range(0, len(ids), size):
            deliver_batch.apply_async(args=[channel, ids[start : start + size]])


def notify_product_deleted(events: list[CloudEvent[ProductDeletedV1]]) -> dict:
    """Tell subscribers that products were deleted."""
    return fan_out(events)


def notify_category_deleted(events: list[CloudEvent[CategoryDeletedV1]]) -> dict:
    """Tell subscribers that categories were deleted."""
    return fan_out(events)


def notify_deletion_finished(events: list[CloudEvent[DeletionCompletedV1 | DeletionFailedV1]]) -> dict:
    """Tell subscribers that a deletion completed or failed (the catalog's ledger says so)."""
    return fan_out(events)
