"""Notifications answers an event of a deletion once its subscribers were told, and only once."""

import json
import uuid

import pytest

from notifications.models import Delivery
from notifications.service import SERVICE
from notifications.tasks import deliver_webhook, send_email
from ripple_runtime.messaging.tasks import process
from ripple_runtime.outbox.models import OutboxEvent
from ripple_testing.servers import Reply
from tests.conftest import product_deleted, run_task

pytestmark = pytest.mark.django_db
PRODUCT = "catalog.product.deleted.v1"


def receipts() -> list[dict]:
    """Every receipt in the service's outbox, with the deletion and service of its message."""
    answers = []
    for body in OutboxEvent.objects.filter(event_type="ripple.receipt.v1").values_list("body", flat=True):
        data = json.loads(body)["data"]
        answers += [
            r | {"deletion_id": data["deletion_id"], "service": data["service"]} for r in data["receipts"]
        ]
    return answers


def of_a_deletion():
    """A product.deleted event that belongs to a deletion."""
    return product_deleted().model_copy(update={"deletionid": uuid.uuid4()})


def deliver_all(event) -> None:
    """Run each delivery's task of the event (retries included)."""
    for delivery in Delivery.objects.filter(event_id=event.id):
        run_task(deliver_webhook if delivery.channel == "webhook" else send_email, str(delivery.pk))


def test_an_event_nobody_subscribed_to_is_not_applicable_at_once():
    event = of_a_deletion()
    process(SERVICE, PRODUCT, [event])
    (receipt,) = receipts()
    assert (receipt["event_id"], receipt["status"], receipt["service"]) == (
        str(event.id),
        "not_applicable",
        "notifications",
    )


def test_done_only_after_the_last_delivery_closed(eager, receiver, endpoint, recipient, smtp):
    event = of_a_deletion()
    process(SERVICE, PRODUCT, [event])
    assert receipts() == []  # subscribers not told yet
    webhook = Delivery.objects.get(event_id=event.id, channel="webhook")
    run_task(deliver_webhook, str(webhook.pk))
    assert receipts() == []  # the mail is still open
    deliver_all(event)
    (receipt,) = receipts()
    assert receipt["status"] == "done" and receipt["deletion_id"] == str(event.deletionid)
    deliver_all(event)  # tasks run again: closed deliveries are never tried, nothing is reported twice
    assert len(receipts()) == 1


def test_a_delivery_failed_for_good_fails_the_event_with_its_error(
    eager, receiver, endpoint, recipient, smtp
):
    receiver.script("/hook", Reply(400, body=b"no such customer"))
    event = of_a_deletion()
    process(SERVICE, PRODUCT, [event])
    deliver_all(event)
    (receipt,) = receipts()
    assert receipt["status"] == "failed" and "400" in receipt["reason"]


def test_events_outside_a_deletion_get_no_receipt(eager, receiver, endpoint):
    event = product_deleted()
    process(SERVICE, PRODUCT, [event])
    deliver_all(event)
    assert receipts() == []


def test_events_a_batch_closes_together_are_answered_in_one_message_per_deletion(eager, receiver, endpoint):
    from notifications.tasks import deliver_batch

    deletion = uuid.uuid4()
    events = [product_deleted(n).model_copy(update={"deletionid": deletion}) for n in range(30)]
    process(SERVICE, PRODUCT, events)
    ids = [str(pk) for pk in Delivery.objects.order_by("created_at").values_list("pk", flat=True)]
    run_task(deliver_batch, "webhook", ids)

    assert len(receiver.received()) == 30
    assert sorted(r["event_id"] for r in receipts()) == sorted(str(e.id) for e in events)
    assert {r["status"] for r in receipts()} == {"done"}
    # the batch writes its successes 25 at a time: two messages for thirty events, not thirty
    assert OutboxEvent.objects.filter(event_type="ripple.receipt.v1").count() == 2
