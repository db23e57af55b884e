"""The search worker on the real RabbitMQ and PostgreSQL: indexed once, in version order, failures visible."""

import json
import random
import re
import socket
import uuid
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from ripple_runtime.inbox.models import ProcessedEvent
from ripple_testing.broker import connect, publish_events, queue_depth, take_messages
from ripple_testing.processes import wait_until
from ripple_testing.servers import free_port
from search.models import SearchDocument, Tombstone
from shared_contracts import topology
from shared_contracts.events import CategoryDeletedV1, MediaDeletedV1, build_event
from shared_contracts.events.catalog import SOURCE
from tests.conftest import found
from tests.factories import deleted, upserted

pytestmark = pytest.mark.django_db(transaction=True)
SUB = topology.SUBSCRIPTIONS["search"]


def processed(*events) -> bool:
    """Whether the worker recorded every one of the events in its inbox."""
    return ProcessedEvent.objects.filter(event_id__in=[e.id for e in events]).count() == len(events)


def dead_letters(capsys) -> str:
    """What `manage.py deadletters list` prints for the search service."""
    call_command("deadletters", "list")
    return capsys.readouterr().out


@contextmanager
def index_refusing(sku: str):
    """While inside, the index refuses the product with this SKU (a fault someone fixes later)."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE search_document ADD CONSTRAINT refuse_broken CHECK (sku <> %s)", [sku])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE search_document DROP CONSTRAINT IF EXISTS refuse_broken")


def task_results(log: str) -> tuple[int, int]:
    """Events processed and duplicates skipped, summed over the tasks the worker log reports."""
    pairs = re.findall(r"'processed': (\d+), 'duplicates': (\d+)", log)
    return sum(int(p) for p, _ in pairs), sum(int(d) for _, d in pairs)


def test_upserts_are_searchable_and_deletes_take_them_out(fresh_vhost, start_worker):
    start_worker()
    publish_events(
        fresh_vhost,
        [
            upserted(1, version=2, name="Brass lamp", sku="LMP-1"),
            upserted(2, name="Oak table", description="Seats six", category_name="Furniture"),
            upserted(3, name="Lamp shade", category_name="Lighting"),
        ],
    )
    wait_until(lambda: SearchDocument.objects.count() == 3, what="three documents")
    body = APIClient().get("/api/v1/search", {"q": "lamp"}).json()
    assert [hit["product_id"] for hit in body["results"]] == [1, 3]
    assert found("seats furniture") == [2]

    publish_events(fresh_vhost, [deleted(1, version=3)])
    wait_until(lambda: not SearchDocument.objects.filter(product_id=1).exists(), what="the delete")
    assert found("lamp") == [3]
    assert Tombstone.objects.get(product_id=1).version == 3


def test_a_lone_event_goes_on_at_once_not_at_the_flush_timers_tick(fresh_vhost, start_worker):
    # The consumer step holds partial batches for CONSUMER_FLUSH_SECONDS; after a quiet spell the
    # first event must not wait for that tick (a single delete's latency).
    start_worker(CONSUMER_FLUSH_SECONDS="120")
    publish_events(fresh_vhost, [upserted(1, name="Brass lamp")])
    wait_until(
        lambda: SearchDocument.objects.filter(product_id=1).exists(), timeout=30, what="the lone event"
    )


def sessions_opened() -> int:
    """Connections ever opened to this test's database (PostgreSQL counts them as they open and close)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_task_after_task_runs_on_the_same_database_connection(fresh_vhost, start_worker):
    # Celery's Django fixup would close the connection around every task: a new PostgreSQL
    # backend for each one. (Without the receipts' relay child, whose own connections open
    # whenever it has started.)
    start_worker(OUTBOX_RELAY_IN_WORKER="0")
    publish_events(fresh_vhost, [upserted(1, name="Warm-up lamp")])
    wait_until(lambda: SearchDocument.objects.filter(product_id=1).exists(), what="the first event")
    before = sessions_opened()
    for product_id in range(2, 12):  # one at a time: ten tasks
        publish_events(fresh_vhost, [upserted(product_id, name=f"Lamp {product_id}")])
        wait_until(
            lambda product_id=product_id: SearchDocument.objects.filter(product_id=product_id).exists(),
            what=f"product {product_id}",
        )
    assert sessions_opened() - before <= 1  # the other pool child's first task, at most


def test_the_same_event_twice_has_one_effect(fresh_vhost, start_worker):
    event = upserted(1, name="Teapot")
    worker = start_worker()
    publish_events(fresh_vhost, [event, event])
    wait_until(lambda: processed(event), what="the event")
    indexed_at = SearchDocument.objects.get(product_id=1).updated_at
    publish_events(fresh_vhost, [event])  # a redelivery long after the first copy was processed
    wait_until(lambda: task_results(worker.log()) == (1, 2), what="both copies to be skipped")

    assert ProcessedEvent.objects.filter(event_id=event.id).count() == 1
    assert SearchDocument.objects.get(product_id=1).updated_at == indexed_at
    assert found("teapot") == [1]


def test_a_late_upsert_never_brings_a_deleted_product_back(fresh_vhost, start_worker):
    start_worker()
    publish_events(fresh_vhost, [upserted(5, version=2, name="Zombie lamp")])
    wait_until(lambda: SearchDocument.objects.filter(product_id=5).exists(), what="the upsert")
    publish_events(fresh_vhost, [deleted(5, version=4)])
    wait_until(lambda: Tombstone.objects.filter(product_id=5).exists(), what="the delete")
    late = upserted(5, version=3, name="Zombie lamp returns")
    together = [deleted(6, version=4), upserted(6, version=3, name="Zombie chair")]  # handled concurrently
    publish_events(fresh_vhost, [late, *together])
    wait_until(lambda: processed(late, *together), what="the late events")

    assert found("zombie") == []
    assert dict(Tombstone.objects.values_list("product_id", "version")) == {5: 4, 6: 4}


def test_events_search_is_not_subscribed_to_never_reach_it(fresh_vhost, start_worker):
    start_worker()
    media = build_event(MediaDeletedV1(media_id=1, product_id=1, storage_keys=["a.jpg"]), source=SOURCE)
    category = build_event(CategoryDeletedV1(category_id=1, name="Misc", slug="misc"), source=SOURCE)
    marker = upserted(9, name="Marker")
    publish_events(fresh_vhost, [media, category, marker])
    wait_until(lambda: processed(marker), what="the marker event")

    assert list(ProcessedEvent.objects.values_list("event_id", flat=True)) == [marker.id]
    assert queue_depth(fresh_vhost, SUB.queue_name) == 0
    assert queue_depth(fresh_vhost, SUB.dead_letter_queue_name) == 0
    assert queue_depth(fresh_vhost, topology.SUBSCRIPTIONS["media"].queue_name) == 1


def test_a_type_the_wildcard_delivers_but_search_does_not_handle_is_acked_not_dead_lettered(
    fresh_vhost, start_worker
):
    start_worker()
    newer = upserted(3).to_dict() | {"type": "catalog.product.archived.v1", "id": str(uuid.uuid4())}
    marker = upserted(9, name="Marker")
    publish_events(fresh_vhost, [marker], raw_bodies={"catalog.product.archived": json.dumps(newer)})
    wait_until(lambda: processed(marker), what="the marker event")
    wait_until(lambda: queue_depth(fresh_vhost, SUB.queue_name) == 0, what="the queue to drain")

    assert list(ProcessedEvent.objects.values_list("event_id", flat=True)) == [marker.id]
    assert queue_depth(fresh_vhost, SUB.dead_letter_queue_name) == 0  # acked and counted, not retried


def test_an_invalid_event_is_dead_lettered_with_its_reason(fresh_vhost, start_worker, capsys):
    start_worker()
    bad = upserted(1).to_dict()
    bad["data"]["version"] = 0
    good = upserted(2, name="Good lamp")
    publish_events(fresh_vhost, [good], raw_bodies={"catalog.product.upserted": json.dumps(bad)})
    wait_until(lambda: queue_depth(fresh_vhost, SUB.dead_letter_queue_name) == 1, what="the dead letter")
    wait_until(lambda: processed(good), what="the good event")

    listing = dead_letters(capsys)
    assert "catalog.product.upserted.v1\tattempts=1\tinvalid event: data.version:" in listing
    assert "greater than or equal to 1" in listing
    assert not SearchDocument.objects.filter(product_id=1).exists()
    [letter] = take_messages(fresh_vhost, SUB.dead_letter_queue_name, expect=1)
    assert letter.properties["application_headers"]["x-ripple-reason"].startswith(
        "invalid event: data.version"
    )
    assert json.loads(letter.body)["id"] == bad["id"]


def test_a_failing_event_is_retried_then_dead_lettered_then_redriven_once_fixed(
    fresh_vhost, start_worker, capsys
):
    broken, fine = upserted(1, sku="BROKEN-1"), upserted(2, sku="FINE-2")
    with index_refusing("BROKEN-1"):
        start_worker()
        publish_events(fresh_vhost, [broken, fine])
        wait_until(lambda: processed(fine), what="the good event to get through")
        wait_until(
            lambda: queue_depth(fresh_vhost, SUB.dead_letter_queue_name) == 1,
            timeout=60,
            what="the broken event to be dead-lettered after its retry",
        )
        assert f"{broken.id}\tcatalog.product.upserted.v1\tattempts=2\tgave up after 2 attempts" in (
            dead_letters(capsys)
        )
        assert not processed(broken)

    call_command("deadletters", "redrive", "--all")
    assert "redrove 1 events to search.catalog-events" in capsys.readouterr().out
    wait_until(lambda: processed(broken), what="the redriven event")
    assert queue_depth(fresh_vhost, SUB.dead_letter_queue_name) == 0
    assert found("broken") == [1]


def test_a_shuffled_stream_of_upserts_and_deletes_ends_in_the_same_index(fresh_vhost, start_worker):
    events = [upserted(p, version=v, name=f"Gadget v{v}") for p in range(300) for v in (1, 2, 3)]
    events += [deleted(p, version=4) for p in range(100)]
    random.Random(7).shuffle(events)
    publish_events(fresh_vhost, events)
    start_worker()
    wait_until(lambda: ProcessedEvent.objects.count() == len(events), timeout=120, what="every event")

    assert dict(SearchDocument.objects.values_list("product_id", "version")) == {
        p: 3 for p in range(100, 300)
    }
    assert set(Tombstone.objects.values_list("product_id", "version")) == {(p, 4) for p in range(100)}
    assert len(found("gadget v3")) == 200 and found("v1") == found("v2") == []


def test_a_remote_control_queue_still_held_by_a_dead_connection_delays_the_worker_but_does_not_end_it(
    fresh_vhost, start_worker
):
    """After a cluster node stops, the worker's exclusive pidbox queue can outlive its old connection.

    Redeclaring it meanwhile is RESOURCE_LOCKED, a channel error, which Celery treats as fatal
    unless `broker_channel_error_retry` is on (the cluster fault scenario lost a worker to it).
    """
    holder = connect(fresh_vhost)  # stands for the connection that died with its node
    holder.channel().queue_declare(f"search@{socket.gethostname()}.celery.pidbox", exclusive=True)
    try:
        worker = start_worker()
        wait_until(lambda: worker.log().count("RESOURCE_LOCKED") >= 2, what="the worker trying again")
    finally:
        holder.close()
    publish_events(fresh_vhost, [upserted(7, name="Held lamp")])
    wait_until(lambda: SearchDocument.objects.filter(product_id=7).exists(), what="the worker consuming")
    assert worker.process.poll() is None, worker.log()[-3000:]


def test_a_worker_whose_first_broker_node_is_down_sets_up_delayed_delivery_through_the_one_it_reached(
    fresh_vhost, start_worker
):
    """Celery's own step would try the down node three times first (about 17 s consuming nothing)."""
    down = fresh_vhost.url(port=free_port())
    broken = upserted(1, sku="BROKEN-1")  # fails, so its retry travels through delayed delivery
    with index_refusing("BROKEN-1"):
        worker = start_worker(BROKER_URL=f"{down};{fresh_vhost.url()}")
        publish_events(fresh_vhost, [broken])
        wait_until(
            lambda: queue_depth(fresh_vhost, SUB.dead_letter_queue_name) == 1,
            timeout=60,
            what="the event dead-lettered after its delayed retry",
        )
    assert "Retrying delayed delivery setup" not in worker.log()
    assert "Failed to declare exchanges and queues" not in worker.log()
