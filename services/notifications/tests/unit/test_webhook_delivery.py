"""deliver_webhook against a real HTTP receiver: answers, retries, the attempt log, the guard."""

import pytest
from standardwebhooks import Webhook

from notifications.handlers import fan_out
from notifications.models import Delivery, WebhookEndpoint
from notifications.tasks import deliver_batch, deliver_webhook
from ripple_testing.servers import Reply, free_port
from tests.conftest import product_deleted, run_task

pytestmark = pytest.mark.django_db


def deliver(endpoint, event=None) -> Delivery:
    """Make the delivery of an event to the endpoint, run its task (retries included), reload it."""
    event = event or product_deleted()
    fan_out([event])
    delivery = Delivery.objects.get(event_id=event.id, endpoint=endpoint)
    run_task(deliver_webhook, str(delivery.pk))
    return Delivery.objects.get(pk=delivery.pk)


def attempts(delivery: Delivery) -> list[tuple]:
    """(outcome, status code, retry in) of each attempt, in order."""
    return list(delivery.attempts.values_list("outcome", "status_code", "retry_in_seconds"))


def test_500_then_200_delivers_once_and_logs_both_attempts(eager, receiver, endpoint):
    receiver.script("/hook", Reply(500, body=b"boom"))
    delivery = deliver(endpoint)

    assert delivery.status == "succeeded" and delivery.delivered_at is not None
    assert attempts(delivery) == [("retrying", 500, 1), ("succeeded", 200, None)]
    assert "boom" in delivery.attempts.first().error
    hits = receiver.received("/hook")
    assert len(hits) == 2 and {h.headers["webhook-id"] for h in hits} == {str(delivery.event_id)}
    for hit in hits:
        assert Webhook(endpoint.secret).verify(hit.body, hit.headers)["id"] == str(delivery.event_id)
    assert all(a.latency_ms >= 0 and a.attempted_at for a in delivery.attempts.all())


def test_a_delivered_event_never_notifies_the_endpoint_again(eager, receiver, endpoint):
    event = product_deleted()
    delivery = deliver(endpoint, event)
    fan_out([event])  # the same event again
    run_task(deliver_webhook, str(delivery.pk))  # and its task again
    assert len(receiver.received()) == 1
    assert Delivery.objects.filter(event_id=event.id).count() == 1
    assert Delivery.objects.get(pk=delivery.pk).attempt_count == 1


def test_410_disables_the_endpoint_and_later_deliveries(eager, receiver, endpoint):
    receiver.script("/hook", Reply(410))
    delivery = deliver(endpoint)
    endpoint.refresh_from_db()
    assert delivery.status == "disabled" and attempts(delivery) == [("disabled", 410, None)]
    assert not endpoint.is_active and "410" in endpoint.disabled_reason

    Delivery.objects.filter(pk=delivery.pk).update(status="pending")  # a task for it still queued
    run_task(deliver_webhook, str(delivery.pk))
    assert len(receiver.received()) == 1
    assert Delivery.objects.get(pk=delivery.pk).status == "disabled"


def test_a_redirect_is_not_followed_and_fails(eager, receiver, endpoint):
    receiver.script("/hook", Reply(302, headers={"Location": receiver.url("/elsewhere")}))
    delivery = deliver(endpoint)
    assert delivery.status == "failed" and attempts(delivery) == [("failed", 302, None)]
    assert "/elsewhere" in delivery.last_error and "not followed" in delivery.last_error
    assert receiver.received("/elsewhere") == []


def test_429_retry_after_is_honoured_up_to_the_last_delay_of_the_schedule(
    eager, settings, receiver, endpoint
):
    settings.NOTIFICATIONS_RETRY_SCHEDULE = (1, 2, 60)
    receiver.script(
        "/hook",
        Reply(429, headers={"Retry-After": "30"}),
        Reply(429, headers={"Retry-After": "86400"}),
        Reply(503, headers={"Retry-After": "1"}),
    )
    delivery = deliver(endpoint)
    assert attempts(delivery) == [
        ("retrying", 429, 30),
        ("retrying", 429, 60),
        ("retrying", 503, 60),
        ("succeeded", 200, None),
    ]


def test_when_the_schedule_is_used_up_the_delivery_fails(eager, receiver, endpoint):
    receiver.script("/hook", *[Reply(503)] * 10)
    delivery = deliver(endpoint)
    assert delivery.status == "failed" and delivery.attempt_count == 4  # the first try and 3 retries
    assert [a[0] for a in attempts(delivery)] == ["retrying"] * 3 + ["failed"]
    assert delivery.last_error.startswith("gave up after 4 attempts")


@pytest.mark.parametrize("code", [400, 401, 403, 404, 405, 413, 422])
def test_other_4xx_fail_without_retry(eager, receiver, endpoint, code):
    receiver.script("/hook", Reply(code, body=b"unknown event type"))
    delivery = deliver(endpoint)
    assert attempts(delivery) == [("failed", code, None)] and "unknown event type" in delivery.last_error


def test_a_refused_connection_is_retried_then_fails(eager):
    endpoint = WebhookEndpoint.objects.create(url=f"http://127.0.0.1:{free_port()}/hook")
    delivery = deliver(endpoint)
    assert delivery.status == "failed" and delivery.attempt_count == 4
    assert (
        delivery.attempts.first().status_code is None and "ConnectionError" in delivery.attempts.first().error
    )


def test_a_slow_receiver_times_out_and_is_retried(eager, settings, receiver, endpoint):
    settings.NOTIFICATIONS_WEBHOOK_TIMEOUT = 0.3
    receiver.script("/hook", Reply(200, delay=1.0))
    delivery = deliver(endpoint)
    assert [a[0] for a in attempts(delivery)] == ["retrying", "succeeded"]
    assert "Timeout" in delivery.attempts.first().error


def test_a_loopback_target_is_refused_for_good_when_loopback_is_not_allowed(
    eager, settings, receiver, endpoint
):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK = False
    delivery = deliver(endpoint)
    assert delivery.status == "failed" and attempts(delivery) == [("failed", None, None)]
    assert "loopback" in delivery.last_error
    assert receiver.received() == []


def test_deliveries_reuse_one_keep_alive_connection(eager, receiver, endpoint):
    for _ in range(5):
        deliver(endpoint)
    hits = receiver.received()
    assert len(hits) == 5 and len({hit.client_port for hit in hits}) == 1


def test_an_inactive_endpoint_gets_nothing(eager, receiver, endpoint):
    event = product_deleted()
    fan_out([event])
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    delivery = Delivery.objects.get(event_id=event.id)
    run_task(deliver_webhook, str(delivery.pk))
    delivery.refresh_from_db()
    assert delivery.status == "disabled" and delivery.attempt_count == 0 and receiver.received() == []


def batch_of(endpoint, count: int) -> list[Delivery]:
    """Deliveries of `count` events to the endpoint, in event order."""
    events = [product_deleted(i) for i in range(count)]
    fan_out(events)
    return [Delivery.objects.get(event_id=event.id, endpoint=endpoint) for event in events]


def test_a_batch_delivers_in_event_order_over_one_connection(eager, receiver, endpoint):
    batch = batch_of(endpoint, 4)
    assert run_task(deliver_batch, "webhook", [str(d.pk) for d in batch]) == {"claimed": 4, "attempted": 4}
    hits = receiver.received()
    assert [hit.headers["webhook-id"] for hit in hits] == [str(d.event_id) for d in batch]
    assert len({hit.client_port for hit in hits}) == 1
    assert set(Delivery.objects.values_list("status", flat=True)) == {"succeeded"}


def test_after_a_failure_the_rest_of_the_batch_backs_off_and_still_arrives(eager, receiver, endpoint):
    receiver.script("/hook", Reply(503))
    batch = batch_of(endpoint, 3)
    assert run_task(deliver_batch, "webhook", [str(d.pk) for d in batch])["attempted"] == 1
    assert set(Delivery.objects.values_list("status", flat=True)) == {"succeeded"}
    assert [a[:2] for a in attempts(Delivery.objects.get(pk=batch[0].pk))] == [
        ("retrying", 503),
        ("succeeded", 200),
    ]
    rest = [Delivery.objects.get(pk=d.pk).attempt_count for d in batch[1:]]
    assert rest == [1, 1]  # they backed off instead of hitting the failing endpoint


def test_410_in_a_batch_disables_the_rest_without_calling_again(eager, receiver, endpoint):
    receiver.script("/hook", Reply(410))
    batch = batch_of(endpoint, 3)
    run_task(deliver_batch, "webhook", [str(d.pk) for d in batch])
    assert len(receiver.received()) == 1
    assert list(Delivery.objects.values_list("status", flat=True)) == ["disabled"] * 3


def test_a_batch_skips_deliveries_already_done(eager, receiver, endpoint):
    batch = batch_of(endpoint, 2)
    run_task(deliver_webhook, str(batch[0].pk))
    assert run_task(deliver_batch, "webhook", [str(d.pk) for d in batch]) == {"claimed": 1, "attempted": 1}
    assert len(receiver.received()) == 2
