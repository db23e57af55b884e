"""Events become one delivery per matching subscriber, once, whatever the redeliveries."""

from datetime import timedelta
from io import StringIO

import pytest
from celery import signals
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from notifications import deliveries
from notifications.handlers import ATTEMPTED_AT_ONCE, fan_out
from notifications.models import Delivery, EmailRecipient, WebhookEndpoint
from notifications.service import SERVICE
from ripple_runtime.messaging.tasks import process
from tests.conftest import category_deleted, product_deleted

pytestmark = pytest.mark.django_db

PRODUCT = "catalog.product.deleted.v1"
CATEGORY = "catalog.category.deleted.v1"


@pytest.fixture
def subscribers(receiver):
    """Endpoints and recipients with different interests, one of each switched off."""
    return {
        "all": WebhookEndpoint.objects.create(url=receiver.url("/all")),
        "categories": WebhookEndpoint.objects.create(url=receiver.url("/cat"), event_types=[CATEGORY]),
        "off": WebhookEndpoint.objects.create(url=receiver.url("/off"), is_active=False),
        "ops": EmailRecipient.objects.create(email="ops@example.com", event_types=[PRODUCT]),
        "quiet": EmailRecipient.objects.create(email="quiet@example.com", is_active=False),
    }


def test_each_matching_active_subscriber_gets_one_delivery(subscribers, django_capture_on_commit_callbacks):
    product, category = product_deleted(), category_deleted()
    with django_capture_on_commit_callbacks() as callbacks:
        process(SERVICE, PRODUCT, [product])
        process(SERVICE, CATEGORY, [category])

    got = {(d.event_id, d.endpoint_id or d.recipient_id, d.channel) for d in Delivery.objects.all()}
    assert got == {
        (product.id, subscribers["all"].pk, "webhook"),
        (product.id, subscribers["ops"].pk, "email"),
        (category.id, subscribers["all"].pk, "webhook"),
        (category.id, subscribers["categories"].pk, "webhook"),
    }
    assert len(callbacks) == 2  # one on_commit per batch, none before the commit
    delivery = Delivery.objects.get(event_id=product.id, channel="email")
    assert delivery.event_type == PRODUCT and '"sku":"MUG-1"' in delivery.payload


def test_the_same_event_twice_makes_no_second_delivery(subscribers, django_capture_on_commit_callbacks):
    event = product_deleted()
    with django_capture_on_commit_callbacks() as callbacks:
        assert process(SERVICE, PRODUCT, [event, event]) == 1
        assert process(SERVICE, PRODUCT, [event]) == 0  # the inbox knows it
    assert Delivery.objects.filter(event_id=event.id).count() == 2
    assert len(callbacks) == 1


def test_even_past_the_inbox_a_duplicate_event_never_duplicates_a_delivery(subscribers):
    event = product_deleted()
    fan_out([event])
    first = set(Delivery.objects.values_list("pk", flat=True))
    fan_out([event])
    assert set(Delivery.objects.values_list("pk", flat=True)) == first


def test_events_nobody_subscribed_to_make_no_delivery(receiver):
    WebhookEndpoint.objects.create(url=receiver.url(), event_types=[CATEGORY])
    EmailRecipient.objects.create(email="cat@example.com", event_types=[CATEGORY])
    process(SERVICE, PRODUCT, [product_deleted()])
    assert not Delivery.objects.exists()


def test_once_committed_the_event_reaches_the_receiver_and_the_mailbox(
    subscribers, eager, smtp, receiver, django_capture_on_commit_callbacks
):
    event = product_deleted()
    with django_capture_on_commit_callbacks(execute=True):
        process(SERVICE, PRODUCT, [event])
    assert [r.headers["webhook-id"] for r in receiver.received()] == [str(event.id)]
    assert [m["To"] for m in smtp.messages] == ["ops@example.com"]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"succeeded"}


@pytest.fixture
def published_tasks():
    """The names of the tasks published meanwhile (an eager task is run, not published)."""
    names = []

    def record(headers=None, **_):
        names.append((headers or {}).get("task"))

    signals.before_task_publish.connect(record, weak=False, dispatch_uid="test.published_tasks")
    yield names
    signals.before_task_publish.disconnect(dispatch_uid="test.published_tasks")


def test_a_few_deliveries_are_attempted_at_once_by_the_committing_process_without_a_task(
    subscribers, smtp, receiver, published_tasks, django_capture_on_commit_callbacks
):
    event = product_deleted()
    with django_capture_on_commit_callbacks(execute=True):
        process(SERVICE, PRODUCT, [event])
    # Celery is not eager here: a task would have been published, and nobody runs it in this test.
    assert published_tasks == []
    assert [r.headers["webhook-id"] for r in receiver.received("/all")] == [str(event.id)]
    assert [m["To"] for m in smtp.messages] == ["ops@example.com"]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"succeeded"}


def test_a_larger_batch_gets_a_first_attempt_task_per_subscriber(
    eager, receiver, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.create(url=receiver.url("/hook"))
    ran = []
    signals.task_prerun.connect(lambda task, **_: ran.append(task.name), weak=False, dispatch_uid="t.ran")
    try:
        events = [product_deleted(product_id=n) for n in range(ATTEMPTED_AT_ONCE + 1)]
        with django_capture_on_commit_callbacks(execute=True):
            process(SERVICE, PRODUCT, events)
    finally:
        signals.task_prerun.disconnect(dispatch_uid="t.ran")
    assert ran == ["notifications.deliver_batch"]
    assert [r.headers["webhook-id"] for r in receiver.received("/hook")] == [str(e.id) for e in events]


def test_a_rolled_back_batch_sends_nothing(subscribers, eager, receiver, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        process(SERVICE, PRODUCT, [product_deleted()])
        raise RuntimeError("rolled back")
    assert callbacks == [] and not Delivery.objects.exists() and not receiver.received()


def test_requeue_deliveries_sends_idle_open_deliveries_again(subscribers, eager, smtp, receiver):
    event = product_deleted()
    fan_out([event])  # its on_commit never runs here: the task is "lost"
    out = StringIO()
    call_command("requeue_deliveries", "--idle-seconds", "60", stdout=out)
    assert "requeued 0 deliveries" in out.getvalue() and not receiver.received()

    Delivery.objects.update(updated_at=timezone.now() - timedelta(minutes=5))
    call_command("requeue_deliveries", "--idle-seconds", "60", "--dry-run", stdout=out)
    assert "would requeue 2 deliveries" in out.getvalue() and not receiver.received()
    call_command("requeue_deliveries", "--idle-seconds", "60", stdout=out)
    assert "requeued 2 deliveries" in out.getvalue()
    assert [hit.headers["webhook-id"] for hit in receiver.received()] == [str(event.id)]
    assert len(smtp.messages) == 1
    assert set(Delivery.objects.values_list("status", flat=True)) == {"succeeded"}


def test_requeue_gives_a_delivery_whose_claim_lapsed_a_task_at_once(subscribers, eager, smtp, receiver):
    """A process that died mid-attempt (say, a first attempt made at once) leaves a claim that lapses."""
    event = product_deleted()
    fan_out([event])
    webhook = Delivery.objects.get(event_id=event.id, channel="webhook")
    deliveries.claim([str(webhook.pk)], "at-once-dead")
    call_command("requeue_deliveries", "--idle-seconds", "3600", stdout=StringIO())
    assert not receiver.received()  # the claim still holds: its holder may be attempting

    Delivery.objects.filter(pk=webhook.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    out = StringIO()
    call_command("requeue_deliveries", "--idle-seconds", "3600", stdout=out)
    assert "requeued 1 deliveries" in out.getvalue()  # the untouched e-mail is not idle long enough
    assert [hit.headers["webhook-id"] for hit in receiver.received()] == [str(event.id)]
    assert Delivery.objects.get(pk=webhook.pk).status == "succeeded"
