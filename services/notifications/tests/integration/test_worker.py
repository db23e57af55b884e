"""The real worker against RabbitMQ and PostgreSQL: events in, signed webhooks and e-mail out."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from kombu import Connection
from standardwebhooks import Webhook

from notifications.handlers import plan_deliveries
from notifications.models import Delivery, EmailRecipient, WebhookEndpoint
from ripple_runtime.inbox.models import ProcessedEvent
from ripple_runtime.messaging import deadletter, queues
from ripple_testing.broker import take_messages
from ripple_testing.processes import wait_until
from ripple_testing.servers import Reply
from shared_contracts import topology
from tests.conftest import category_deleted, product_deleted

pytestmark = pytest.mark.django_db(transaction=True)
SUB = topology.SUBSCRIPTIONS["notifications"]


def delivery_done(event_id, **target) -> Delivery | None:
    """The delivery of the event to the target once it is no longer open, else None."""
    return (
        Delivery.objects.filter(event_id=event_id, **target)
        .exclude(status__in=["pending", "retrying"])
        .first()
    )


def test_500_then_200_is_delivered_once_with_both_attempts_logged(worker_factory, publish, receiver):
    endpoint = WebhookEndpoint.objects.create(url=receiver.url())
    receiver.script("/hook", Reply(500))
    worker_factory()
    event = product_deleted()
    publish(event)

    delivery = wait_until(lambda: delivery_done(event.id, endpoint=endpoint), what="the delivery to finish")
    assert delivery.status == "succeeded"
    first, second = delivery.attempts.all()
    assert (first.status_code, first.outcome, second.status_code, second.outcome) == (
        500,
        "retrying",
        200,
        "succeeded",
    )
    assert (second.attempted_at - first.attempted_at).total_seconds() >= 0.9  # the 1 s retry delay
    hits = receiver.received()
    assert [hit.headers["webhook-id"] for hit in hits] == [str(event.id)] * 2
    for hit in hits:
        assert Webhook(endpoint.secret).verify(hit.body, hit.headers)["data"]["sku"] == "MUG-1"


def test_410_disables_the_endpoint(worker_factory, publish, receiver):
    endpoint = WebhookEndpoint.objects.create(url=receiver.url())
    receiver.script("/hook", Reply(410))
    worker_factory()
    event = product_deleted()
    publish(event)

    delivery = wait_until(lambda: delivery_done(event.id), what="the delivery to finish")
    endpoint.refresh_from_db()
    assert delivery.status == "disabled" and not endpoint.is_active and len(receiver.received()) == 1


def test_the_same_event_twice_calls_the_webhook_once_and_unsubscribed_ones_never(
    worker_factory, publish, receiver
):
    WebhookEndpoint.objects.create(url=receiver.url("/products"), event_types=["catalog.product.deleted.v1"])
    WebhookEndpoint.objects.create(
        url=receiver.url("/categories"), event_types=["catalog.category.deleted.v1"]
    )
    worker_factory()
    event, marker = product_deleted(1), product_deleted(2)
    publish(event)
    publish(event)
    wait_until(lambda: delivery_done(event.id), what="the first delivery")
    publish(marker)  # once the marker is through, a second copy of the event would have been too
    wait_until(lambda: delivery_done(marker.id), what="the marker's delivery")

    ids = [hit.headers["webhook-id"] for hit in receiver.received()]
    assert sorted(ids) == sorted([str(event.id), str(marker.id)])
    assert receiver.received("/categories") == []
    assert ProcessedEvent.objects.filter(event_id=event.id).count() == 1


def test_the_mail_arrives_at_the_smtp_server(worker_factory, publish, mailbox):
    EmailRecipient.objects.create(email="ops@example.com")
    worker_factory()
    event = category_deleted()
    publish(event)

    wait_until(lambda: mailbox.messages, what="the e-mail")
    assert mailbox.messages[0]["Subject"] == "[Ripple] Category deleted: Kitchen"
    assert mailbox.messages[0]["X-Ripple-Event-Id"] == str(event.id)
    assert wait_until(lambda: delivery_done(event.id)).status == "succeeded"


def deadletters(settings, vhost, *args: str) -> str:
    """Run `manage.py deadletters …` against the test's vhost and return what it printed."""
    settings.BROKER_URL = vhost.url()
    out = io.StringIO()
    call_command("deadletters", *args, stdout=out)
    return out.getvalue()


def test_an_invalid_event_is_dead_lettered_with_its_reason(worker_factory, publish, fresh_vhost, settings):
    worker_factory()
    invalid = {**product_deleted().to_dict(), "data": {"product_id": "forty-two"}}
    publish(("catalog.product.deleted", invalid))

    listing = wait_until(
        lambda: (out := deadletters(settings, fresh_vhost, "list")) and "1 dead-lettered" in out and out,
        what="the invalid event in the dead-letter queue",
    )
    assert invalid["id"] in listing and "data.product_id" in listing
    [letter] = take_messages(fresh_vhost, SUB.dead_letter_queue_name, expect=1)
    reason = letter.properties["application_headers"][deadletter.REASON]
    assert "invalid event" in reason and "data.sku" in reason
    assert not Delivery.objects.exists()


def test_a_redriven_event_is_delivered(worker_factory, fresh_vhost, publish, receiver, settings):
    WebhookEndpoint.objects.create(url=receiver.url())
    publish(category_deleted(99))  # declares the topology; nobody consumes yet
    take_messages(fresh_vhost, SUB.queue_name, expect=1)  # …and it is lost from the queue
    event = product_deleted()
    with deadletter.confirming_connection(fresh_vhost.url()) as conn:
        deadletter.dead_letter(conn.Producer(), SUB, event.to_json(), reason="test: parked", attempts=6)
    worker_factory()

    assert "1 dead-lettered" in deadletters(settings, fresh_vhost, "list")
    assert "redrove 1 events" in deadletters(settings, fresh_vhost, "redrive", "--all")
    assert wait_until(lambda: delivery_done(event.id), what="the redriven delivery").status == "succeeded"
    assert [hit.headers["webhook-id"] for hit in receiver.received()] == [str(event.id)]
    with Connection(fresh_vhost.url()) as conn:
        assert conn.SimpleQueue(queues.dead_letter_queue(SUB)).qsize() == 0


def test_the_worker_requeues_deliveries_whose_task_was_lost(worker_factory, receiver, mailbox):
    endpoint = WebhookEndpoint.objects.create(url=receiver.url())
    EmailRecipient.objects.create(email="ops@example.com")
    event = product_deleted()
    # Written as fan_out writes them, but their tasks never published: a worker died after the commit.
    Delivery.objects.bulk_create(plan_deliveries([event]))
    assert Delivery.objects.filter(status="pending").count() == 2
    worker_factory(NOTIFICATIONS_REQUEUE_EVERY_SECONDS="1", NOTIFICATIONS_REQUEUE_IDLE_SECONDS="2")

    assert wait_until(
        lambda: delivery_done(event.id, endpoint=endpoint), timeout=60, what="the webhook"
    ).status == ("succeeded")
    wait_until(lambda: len(mailbox.messages) == 1, timeout=60, what="the e-mail")
    assert [hit.headers["webhook-id"] for hit in receiver.received()] == [str(event.id)]
