"""The media worker on the real RabbitMQ and PostgreSQL: effects once, failures bounded and visible."""

import shutil

import pytest
from django.core.management import call_command

from media.models import DeletedFile
from ripple_runtime.inbox.models import ProcessedEvent
from ripple_testing.broker import publish_events, queue_depth, return_unacked, take_messages
from ripple_testing.processes import wait_until
from shared_contracts import topology
from tests.conftest import stored
from tests.factories import deleted_files, media_deleted, processed

pytestmark = pytest.mark.django_db(transaction=True)
SUB = topology.SUBSCRIPTIONS["media"]


def dead_letters(capsys) -> str:
    """What `manage.py deadletters list` prints for the media service."""
    call_command("deadletters", "list")
    return capsys.readouterr().out


def test_files_of_deleted_media_are_removed_once_even_when_the_event_comes_twice(
    media_root, fresh_vhost, start_worker, settings
):
    settings.BROKER_URL = fresh_vhost.url()
    keys = [stored(media_root, f"products/1/{n}.jpg") for n in range(3)]
    event = media_deleted(*keys)
    start_worker()
    publish_events(fresh_vhost, [event, event])
    wait_until(lambda: DeletedFile.objects.count() >= 3, what="the files to be deleted")
    wait_until(lambda: queue_depth(fresh_vhost, SUB.queue_name) == 0, what="the queue to drain")
    publish_events(fresh_vhost, [media_deleted(stored(media_root, "products/9/marker.jpg"))])
    wait_until(lambda: ProcessedEvent.objects.count() == 2, what="the marker event")

    assert not any((media_root / key).exists() for key in keys)
    assert DeletedFile.objects.filter(event_id=event.id).count() == 3  # not six
    assert (media_root.parent / "canary.txt").exists()


def test_bad_keys_and_bad_events_are_dead_lettered_and_good_ones_keep_flowing(
    media_root, fresh_vhost, start_worker, settings, capsys
):
    settings.BROKER_URL = fresh_vhost.url()
    traversal = media_deleted("products/../../canary.txt")
    good = media_deleted(stored(media_root, "products/3/ok.jpg"))
    start_worker()
    publish_events(
        fresh_vhost,
        [traversal, good],
        raw_bodies={"catalog.media.deleted": '{"type": "catalog.media.deleted.v1", "data": {}}'},
    )
    wait_until(lambda: queue_depth(fresh_vhost, SUB.dead_letter_queue_name) == 2, what="two dead letters")
    wait_until(lambda: DeletedFile.objects.filter(event_id=good.id).exists(), what="the good event")

    listing = dead_letters(capsys)
    assert f"{traversal.id}\tcatalog.media.deleted.v1\tattempts=1\tPermanentFailure" in listing
    assert "points outside" in listing or "not a plain relative path" in listing
    assert "invalid event: specversion: Field required; id: Field required; source: Field required" in listing
    assert (media_root.parent / "canary.txt").read_text() == "must survive"
    assert not DeletedFile.objects.filter(event_id=traversal.id).exists()


def test_a_failing_handler_is_retried_then_dead_lettered_then_redriven(
    media_root, fresh_vhost, start_worker, settings, capsys
):
    settings.BROKER_URL = fresh_vhost.url()
    # a non-empty directory under the key: deleting it fails (a transient error) until it is emptied
    stored(media_root, "products/4/stuck/inner.jpg")
    stuck = media_deleted("products/4/stuck")
    flowing = media_deleted(stored(media_root, "products/5/ok.jpg"))
    start_worker()
    publish_events(fresh_vhost, [stuck])
    publish_events(fresh_vhost, [flowing])
    wait_until(lambda: DeletedFile.objects.filter(event_id=flowing.id).exists(), what="later events to flow")
    wait_until(
        lambda: queue_depth(fresh_vhost, SUB.dead_letter_queue_name) == 1,
        timeout=60,
        what="the stuck event to be dead-lettered after its retries",
    )
    assert f"{stuck.id}\tcatalog.media.deleted.v1\tattempts=3\tgave up after 3 attempts" in dead_letters(
        capsys
    )
    assert not ProcessedEvent.objects.filter(event_id=stuck.id).exists()

    shutil.rmtree(media_root / "products/4/stuck/")
    (media_root / "products/4/stuck").mkdir()  # now an empty directory: deletable
    call_command("deadletters", "redrive", "--all")
    assert "redrove 1 events" in capsys.readouterr().out
    wait_until(lambda: ProcessedEvent.objects.filter(event_id=stuck.id).exists(), what="the redriven event")
    assert queue_depth(fresh_vhost, SUB.dead_letter_queue_name) == 0
    assert not (media_root / "products/4/stuck").exists()


def test_sigkill_of_the_worker_mid_stream_loses_nothing_and_duplicates_nothing(
    media_root, fresh_vhost, start_worker, settings
):
    settings.BROKER_URL = fresh_vhost.url()
    events = [media_deleted(stored(media_root, f"products/{n}/f.jpg"), media_id=n) for n in range(3000)]
    publish_events(fresh_vhost, events)
    first = start_worker()
    wait_until(lambda: ProcessedEvent.objects.exists(), timeout=60, what="work to start")
    first.kill()
    assert ProcessedEvent.objects.count() < 3000, "the worker must die with work left"

    start_worker()
    wait_until(lambda: ProcessedEvent.objects.count() == 3000, timeout=120, what="all events after restart")
    assert DeletedFile.objects.count() == 3000
    assert not any((media_root / "products").rglob("*.jpg"))


def test_the_worker_prunes_old_records_and_inbox_ids_on_its_schedule(start_worker):
    old_files, young_files = deleted_files(3, days_ago=91), deleted_files(2, days_ago=1)
    old_ids, young_ids = processed(2, days_ago=31), processed(1, days_ago=1)
    worker = start_worker(RETENTION_PRUNE_EVERY_SECONDS="1")

    wait_until(
        lambda: (
            not DeletedFile.objects.filter(pk__in=old_files).exists()
            and not ProcessedEvent.objects.filter(pk__in=old_ids).exists()
        ),
        timeout=60,
        what="the worker's pruning round",
    )
    assert set(DeletedFile.objects.values_list("pk", flat=True)) == young_files
    assert set(ProcessedEvent.objects.values_list("pk", flat=True)) == young_ids
    assert "media.prune_old_rows" in worker.log()  # a task of its own, as Flower lists it


def test_every_event_of_a_deletion_is_answered_with_a_receipt_the_worker_publishes(
    media_root, fresh_vhost, start_worker, settings
):
    import json
    import uuid

    import jsonschema

    from shared_contracts import schemas
    from shared_contracts.events import ProductDeletedV1, build_event, parse_event
    from shared_contracts.events.catalog import SOURCE

    settings.BROKER_URL = fresh_vhost.url()
    deletion = uuid.uuid4()
    with_file = media_deleted(stored(media_root, "products/6/a.jpg")).model_copy(
        update={"deletionid": deletion}
    )
    bare = build_event(
        ProductDeletedV1(product_id=7, sku="B", name="bare", version=2, search_document_id="product:7"),
        source=SOURCE,
        deletionid=deletion,
    )
    poison = media_deleted("products/../../canary.txt").model_copy(update={"deletionid": deletion})
    unscoped = media_deleted(stored(media_root, "products/8/b.jpg"))  # no deletion: no receipt
    start_worker()
    publish_events(fresh_vhost, [with_file, bare, poison, unscoped])
    by_event = {}

    def three_receipts() -> bool:
        for message in take_messages(fresh_vhost, topology.SUBSCRIPTIONS["catalog"].queue_name, expect=0):
            body = json.loads(message.body)
            jsonschema.validate(body, schemas.load_committed("ripple.receipt.v1"))
            event = parse_event(body)
            assert (event.source, event.data.deletion_id, event.data.service, message.routing_key) == (
                "/ripple/media",
                deletion,
                "media",
                "ripple.receipt",
            )
            assert event.deletionid is None  # nobody owes a receipt for a receipt
            by_event.update({receipt.event_id: receipt for receipt in event.data.receipts})
        return len(by_event) >= 3

    wait_until(three_receipts, timeout=60, what="three receipts")
    assert {key: value.status for key, value in by_event.items()} == {
        with_file.id: "done",
        bare.id: "not_applicable",
        poison.id: "failed",
    }
    assert "not a plain relative path" in by_event[poison.id].reason
    assert DeletedFile.objects.filter(event_id=unscoped.id).exists()


def test_a_task_its_workers_kept_dying_on_is_dead_lettered_with_a_failed_receipt_not_run_again(
    media_root, fresh_vhost, start_worker, settings, capsys
):
    import json
    import uuid

    from kombu import Connection

    from media_site.celery import app
    from ripple_runtime.messaging import queues
    from shared_contracts.events import parse_event

    settings.BROKER_URL = fresh_vhost.url()
    deletion = uuid.uuid4()
    killer = media_deleted(stored(media_root, "products/11/a.jpg")).model_copy(
        update={"deletionid": deletion}
    )
    with Connection(fresh_vhost.url()) as conn:
        queues.declare_topology(conn.channel())
        queues.task_queue(SUB)(conn.channel()).declare()
        app.send_task("media.catalog.media.deleted.v1", args=[[killer.to_dict()]], connection=conn)
    # a worker took it and died, again and again: RabbitMQ took it back and counted each time
    assert (
        return_unacked(fresh_vhost, SUB.task_queue_name, topology.DELIVERY_LIMIT) == topology.DELIVERY_LIMIT
    )
    start_worker()

    wait_until(
        lambda: queue_depth(fresh_vhost, SUB.dead_letter_queue_name) == 1, what="the event dead-lettered"
    )
    call_command("deadletters", "list")
    listing = capsys.readouterr().out
    assert f"{killer.id}\tcatalog.media.deleted.v1" in listing
    limit = topology.DELIVERY_LIMIT
    assert f"attempts={limit}\tWorkerLost: taken back from a worker {limit} times" in listing
    receipts = {}

    def the_failed_receipt() -> bool:
        for message in take_messages(fresh_vhost, topology.SUBSCRIPTIONS["catalog"].queue_name, expect=0):
            receipts.update({r.event_id: r for r in parse_event(json.loads(message.body)).data.receipts})
        return killer.id in receipts

    wait_until(the_failed_receipt, timeout=60, what="the failed receipt")
    assert receipts[killer.id].status == "failed" and "WorkerLost" in receipts[killer.id].reason
    assert (media_root / "products/11/a.jpg").exists()  # not handled again
    assert not ProcessedEvent.objects.filter(event_id=killer.id).exists()
    assert queue_depth(fresh_vhost, SUB.task_queue_name) == 0
