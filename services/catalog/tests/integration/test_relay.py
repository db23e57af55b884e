"""The relay against the real RabbitMQ and PostgreSQL: what users rely on when deleting."""

from __future__ import annotations

import io
import json
from collections import Counter

import jsonschema
import pytest
from django.core.management import call_command
from django.db import transaction

from catalog.models import Product
from ripple_runtime.outbox import recorder
from ripple_runtime.outbox.models import OutboxEvent, RelayHeartbeat
from ripple_testing.broker import connect, queue_depth, take_messages
from ripple_testing.processes import wait_until
from ripple_testing.proxy import TcpProxy
from shared_contracts import schemas, topology
from tests.factories import bulk_catalog
from tests.integration.conftest import connected_relays, pending

pytestmark = pytest.mark.django_db(transaction=True)

MEDIA_Q = topology.SUBSCRIPTIONS["media"].queue_name
SEARCH_Q = topology.SUBSCRIPTIONS["search"].queue_name
NOTIFY_Q = topology.SUBSCRIPTIONS["notifications"].queue_name


def bodies(messages, event_type: str | None = None) -> list[dict]:
    """Decode message bodies, optionally of one event type only."""
    decoded = [json.loads(m.body) for m in messages]
    return [b for b in decoded if event_type is None or b["type"] == event_type]


def test_api_delete_publishes_one_product_event_listing_its_media_valid_against_the_schema(
    api, product_with_media, fresh_vhost, relay_factory
):
    relay_factory()
    wait_until(connected_relays, what="the relay to connect")
    assert api.delete(f"/api/v1/products/{product_with_media.pk}/").status_code == 204
    wait_until(lambda: pending() == 0, what="the outbox to drain")

    media = take_messages(fresh_vhost, MEDIA_Q, expect=1)  # the product, listing its two media
    search = take_messages(fresh_vhost, SEARCH_Q, expect=2)  # the product's upsert and its delete
    notified = take_messages(fresh_vhost, NOTIFY_Q, expect=1)

    assert [b["type"] for b in bodies(media)] == ["catalog.product.deleted.v1"]
    assert len(bodies(media)[0]["data"]["media"]) == 2
    assert len(bodies(search, "catalog.product.deleted.v1")) == 1
    assert len(bodies(notified)) == 1 and bodies(notified)[0]["type"] == "catalog.product.deleted.v1"
    for message in media + search + notified:
        body = json.loads(message.body)
        jsonschema.validate(body, schemas.load_committed(body["type"]))
        assert message.properties["message_id"] == body["id"]
        assert message.properties["content_type"] == "application/cloudevents+json"
        assert message.properties["delivery_mode"] == 2
        assert message.routing_key == body["type"].rsplit(".", 1)[0]


def test_a_rolled_back_delete_publishes_nothing(api, category, fresh_vhost, relay_factory):
    doomed, marker = bulk_catalog(category, products=2, media_per_product=1)
    relay_factory()
    wait_until(connected_relays, what="the relay to connect")

    with pytest.raises(RuntimeError), transaction.atomic():
        Product.objects.get(pk=doomed.pk).delete()
        raise RuntimeError("rolled back")
    # a later, committed delete is the marker: once it arrived, anything earlier would have too
    assert api.delete(f"/api/v1/products/{marker.pk}/").status_code == 204
    wait_until(lambda: pending() == 0, what="the outbox to drain")

    seen = bodies(take_messages(fresh_vhost, SEARCH_Q, expect=1))
    seen += bodies(take_messages(fresh_vhost, MEDIA_Q, expect=1))  # the product, listing its media
    assert [b["data"]["product_id"] for b in seen] == [marker.pk] * 2
    assert Product.objects.filter(pk=doomed.pk).exists()


def test_broker_outage_delays_events_but_loses_none(api, category, fresh_vhost, relay_factory):
    proxy = TcpProxy("127.0.0.1", 5672).start()
    try:
        relay_factory(BROKER_URL=fresh_vhost.url(port=proxy.port))
        wait_until(connected_relays, what="the relay to connect")
        products = bulk_catalog(category, products=5, media_per_product=2)
        proxy.cut()

        for product in products:
            assert api.delete(f"/api/v1/products/{product.pk}/").status_code == 204
        ready = wait_until(
            lambda: (
                (r := api.get("/readyz").json())["outbox"]["relays"]
                and not r["outbox"]["relays"][0]["broker_connected"]
                and r
            ),
            what="/readyz to report the relay cut off from the broker",
        )
        assert ready["status"] == "degraded" and ready["outbox"]["pending"] == 5
        assert "broker unreachable" in ready["outbox"]["relays"][0]["last_error"]

        proxy.restore()
        wait_until(lambda: pending() == 0, timeout=60, what="the outbox to drain after the outage")
    finally:
        proxy.close()

    deleted = bodies(take_messages(fresh_vhost, SEARCH_Q, expect=5), "catalog.product.deleted.v1")
    media = bodies(take_messages(fresh_vhost, MEDIA_Q, expect=5), "catalog.product.deleted.v1")
    notified = bodies(take_messages(fresh_vhost, NOTIFY_Q, expect=5))
    expected = sorted(p.pk for p in products)
    assert sorted(b["data"]["product_id"] for b in deleted) == expected  # once each
    assert sorted(b["data"]["product_id"] for b in notified) == expected
    assert sorted(b["data"]["product_id"] for b in media) == expected
    assert all(len(b["data"]["media"]) == 2 for b in media)
    assert OutboxEvent.objects.filter(published_at__isnull=True).count() == 0


def test_sigkill_mid_batch_loses_nothing(category, fresh_vhost, relay_factory):
    bulk_catalog(category, products=5000, media_per_product=1)
    with recorder.batch():
        Product.objects.all().delete()
    total = OutboxEvent.objects.count()
    assert total == 5_000  # one event per product, listing its media

    first = relay_factory(OUTBOX_BATCH_SIZE="200")
    wait_until(lambda: OutboxEvent.objects.filter(published_at__isnull=False).exists(), what="publishing")
    first.kill()
    assert 0 < total - pending() < total, "the relay must die with work left, or this test proves nothing"

    relay_factory(OUTBOX_BATCH_SIZE="200")
    wait_until(lambda: pending() == 0, timeout=90, what="the second relay to finish")

    expected = set(
        OutboxEvent.objects.filter(event_type__startswith="catalog.product").values_list(
            "event_id", flat=True
        )
    )
    search = take_messages(fresh_vhost, SEARCH_Q, expect=5000, timeout=60)
    ids = Counter(m.properties["message_id"] for m in search)
    assert {str(e) for e in expected} == set(ids)  # nothing lost
    assert all(json.loads(m.body)["id"] == m.properties["message_id"] for m in search)  # same id
    # A relay keeps two batches in flight (one confirming while the next is written): at most
    # those two, sent but not yet marked, are published again.
    assert len(search) - len(ids) <= 2 * 200


def test_two_relays_share_the_outbox_without_publishing_twice(category, fresh_vhost, relay_factory):
    relays = [relay_factory(OUTBOX_BATCH_SIZE="100") for _ in range(2)]
    wait_until(lambda: connected_relays() == 2, what="both relays to connect")

    bulk_catalog(category, products=3000, media_per_product=1)
    with recorder.batch():
        Product.objects.all().delete()
    wait_until(lambda: pending() == 0, timeout=90, what="the relays to drain the outbox")

    search = take_messages(fresh_vhost, SEARCH_Q, expect=3000, timeout=60)
    media = take_messages(fresh_vhost, MEDIA_Q, expect=3000, timeout=60)  # product events, with media
    for messages, count in ((search, 3000), (media, 3000)):
        ids = Counter(m.properties["message_id"] for m in messages)
        assert len(ids) == count and max(ids.values()) == 1
    assert [relay.stop() for relay in relays] == [0, 0]
    shares = list(RelayHeartbeat.objects.values_list("published_total", flat=True))
    assert sum(shares) == 3000 and min(shares) > 0, f"both relays should have worked: {shares}"


def test_an_idle_relay_wakes_on_commit_not_on_its_poll(api, product_with_media, fresh_vhost, relay_factory):
    relay_factory(OUTBOX_POLL_INTERVAL="120")
    wait_until(connected_relays, what="the relay to connect")
    wait_until(lambda: pending() == 0, what="the upserts to go out")
    take_messages(fresh_vhost, SEARCH_Q, expect=1)

    assert api.delete(f"/api/v1/products/{product_with_media.pk}/").status_code == 204
    # with a two-minute poll, only the NOTIFY on commit can bring it here within 15 s
    arrived = take_messages(fresh_vhost, NOTIFY_Q, expect=1, timeout=15)
    assert bodies(arrived)[0]["data"]["product_id"] == product_with_media.pk


def test_the_relay_declares_every_consumer_queue_before_publishing(fresh_vhost, relay_factory):
    relay_factory()
    wait_until(connected_relays, what="the relay to connect")
    for sub in topology.SUBSCRIPTIONS.values():
        assert queue_depth(fresh_vhost, sub.queue_name) == 0
        assert queue_depth(fresh_vhost, sub.dead_letter_queue_name) == 0
    assert RelayHeartbeat.objects.get().broker_connected


def test_events_the_broker_refuses_back_off_then_park_and_go_out_once_re_sent(
    api, client, category, fresh_vhost, relay_factory
):
    relay_factory(OUTBOX_MAX_ATTEMPTS="2")
    wait_until(connected_relays, what="the relay to connect and declare the queues")
    media_keys = topology.SUBSCRIPTIONS["media"].binding_keys
    rebind(fresh_vhost, media_keys, bound=False)  # media events are unroutable: the broker returns them
    [product] = bulk_catalog(category, products=1, media_per_product=2)
    for row in product.media.all():  # each media row deleted on its own: a media.deleted each
        assert api.delete(f"/api/v1/media/{row.pk}/").status_code == 204

    media = OutboxEvent.objects.filter(event_type="catalog.media.deleted.v1")
    wait_until(lambda: media.filter(parked_at__isnull=False).count() == 2, what="both media events to park")
    assert {row.attempts for row in media} == {2}
    assert all(row.last_error.startswith("unroutable via 'catalog.events'") for row in media)
    assert not OutboxEvent.objects.filter(published_at__isnull=True, parked_at__isnull=True).exists()
    outbox = client.get("/readyz").json()["outbox"]
    assert outbox["parked"] == 2 and outbox["ok"] is False
    assert outbox["last_parked"]["last_error"].startswith("unroutable")

    rebind(fresh_vhost, media_keys, bound=True)
    call_command("outbox", "resend", "--all", stdout=io.StringIO())
    wait_until(lambda: pending() == 0, what="the re-sent events to go out")
    delivered = bodies(take_messages(fresh_vhost, MEDIA_Q, expect=2))
    assert {b["id"] for b in delivered} == {str(row.event_id) for row in media}
    assert {row.attempts for row in media.all()} == {1}  # counted from zero again


def rebind(vhost, keys, *, bound: bool) -> None:
    """Bind the media queue to the events exchange with `keys`, or unbind it."""
    with connect(vhost) as conn:
        channel = conn.channel()
        for key in keys:
            if bound:
                channel.queue_bind(MEDIA_Q, topology.EVENTS_EXCHANGE_NAME, key)
            else:
                channel.queue_unbind(MEDIA_Q, topology.EVENTS_EXCHANGE_NAME, key)


def test_a_relay_restarted_after_sigkill_takes_over_the_dead_ones_claims_at_once(
    category, fresh_vhost, relay_factory
):
    bulk_catalog(category, products=5000, media_per_product=1)
    with recorder.batch():
        Product.objects.all().delete()
    # A ten-minute lease: only the take-over, not the lease running out, can free the claims in time.
    first = relay_factory(OUTBOX_BATCH_SIZE="200", OUTBOX_CLAIM_SECONDS="600")
    wait_until(lambda: OutboxEvent.objects.filter(published_at__isnull=False).exists(), what="publishing")
    dead = RelayHeartbeat.objects.get().relay_id
    first.kill()
    claimed = OutboxEvent.objects.filter(claimed_by=dead, published_at__isnull=True)
    assert claimed.exists(), "the relay must die holding claims, or this test proves nothing"

    second = relay_factory(OUTBOX_BATCH_SIZE="200", OUTBOX_CLAIM_SECONDS="600")
    wait_until(lambda: pending() == 0, timeout=60, what="the new relay to publish everything")
    assert not claimed.exists()
    # Same machine, same pid namespace: the new relay saw the old pid gone, and did not wait.
    assert f"relay {dead} is dead (gone: its pid no longer runs" in second.log()
    assert RelayHeartbeat.objects.get(relay_id=dead).released_at is not None  # handled once
    search = take_messages(fresh_vhost, SEARCH_Q, expect=5000, timeout=60)
    assert len({m.properties["message_id"] for m in search}) == 5000
