"""The fault suite, bounded for `make test`: one fault per scenario, then nothing lost, nothing twice.

Every scenario seeds products of its own (one image each), deletes them with single and bulk
deletes while its fault happens, and then counts per product: files left, search documents
left, webhooks and mails, unpublished outbox rows, messages left in every queue.
`make faults` also runs the slow scenarios (test_faults_slow.py).
"""

from __future__ import annotations

import json
import threading
import time

from ripple_runtime.messaging.publisher import ConfirmingPublisher, OutgoingMessage
from ripple_testing.processes import wait_until
from tests_e2e.faults.databases import in_list
from tests_e2e.faults.scenarios import assert_duplicates_share_their_webhook_id, assert_exactly_once, settled

PRODUCTS = 8


def republish(system, rows: list[tuple[str, str, str, str]], times: int = 1) -> None:
    """Publish outbox rows (event id, type, routing key, body) again, straight onto the exchange."""
    publisher = ConfirmingPublisher(system.broker.direct_url())
    try:
        for _ in range(times):
            messages = [
                OutgoingMessage(event_id, key, body, event_type) for event_id, event_type, key, body in rows
            ]
            result = publisher.publish_batch(messages)
            assert not result.failed, result.failed
    finally:
        publisher.close()


def outbox_rows(system, event_type: str, product_ids: list[int]) -> list[tuple[str, str, str, str]]:
    """The outbox rows (event id, type, routing key, body) of one event type for these products."""
    rows = system.sql(
        "catalog",
        "SELECT event_id, event_type, routing_key, body FROM outbox_outboxevent "
        f"WHERE event_type = %s AND CAST(aggregate_id AS INTEGER) IN {in_list(product_ids)} ORDER BY id",
        event_type,
    )
    return [(str(event_id), *rest) for event_id, *rest in rows]


def test_no_fault(system):
    ids = system.seed("CALM", PRODUCTS)
    system.delete(ids)
    assert_exactly_once(settled(system, ids, "no fault"))


def test_broker_link_cut_for_20_seconds(system):
    ids = system.seed("CUT", PRODUCTS)
    system.proxy.cut()
    try:
        started = time.monotonic()
        system.delete(ids)  # the API answers while the broker is away
        assert time.monotonic() - started < 15
        time.sleep(max(0.0, 20 - (time.monotonic() - started)))
    finally:
        system.proxy.restore()
    assert_exactly_once(settled(system, ids, "broker link cut 20 s"))


def sigkill_worker_mid_stream(system, worker: str, prefix: str):
    """Delete half, SIGKILL the worker while the other half goes out, start it again."""
    ids = system.seed(prefix, PRODUCTS)
    half = len(ids) // 2
    system.delete(ids[:half])
    deleter = threading.Thread(target=system.delete, args=(ids[half:],))
    deleter.start()
    system.processes[worker].kill()
    deleter.join()
    system.start(worker)
    return settled(system, ids, f"SIGKILL {worker}")


def test_sigkill_of_the_media_worker(system):
    assert_exactly_once(sigkill_worker_mid_stream(system, "media-worker", "KILLMEDIA"))


def test_sigkill_of_the_search_worker(system):
    assert_exactly_once(sigkill_worker_mid_stream(system, "search-worker", "KILLSEARCH"))


def test_sigkill_of_the_notifications_worker(system):
    assert_duplicates_share_their_webhook_id(
        sigkill_worker_mid_stream(system, "notifications-worker", "KILLNOTE")
    )


def test_poison_messages_are_dead_lettered_and_the_flow_goes_on(system):
    poison = [
        (
            "00000000-0000-4000-8000-000000000001",
            "catalog.product.deleted.v1",
            "catalog.product.deleted",
            "{not json",
        ),
        (
            "00000000-0000-4000-8000-000000000002",
            "catalog.product.deleted.v1",
            "catalog.product.deleted",
            json.dumps(
                {
                    "specversion": "1.0",
                    "id": "00000000-0000-4000-8000-000000000002",
                    "type": "catalog.product.deleted.v1",
                    "source": "/poison",
                    "data": {"oops": 1},
                }
            ),
        ),
    ]
    republish(system, poison)
    # media, search and notifications are bound to catalog.product.deleted: each dead-letters both, at once.
    expected = {
        "media.catalog-events.dlq": 2,
        "search.catalog-events.dlq": 2,
        "notifications.catalog-events.dlq": 2,
    }
    wait_until(
        lambda: {q: n for q, n in system.queue_depths().items() if n} == expected,
        timeout=60,
        what="the poison in the dead-letter queues",
    )
    for queue in expected:
        system.purge(queue)
    ids = system.seed("AFTERPOISON", PRODUCTS)
    system.delete(ids)
    assert_exactly_once(settled(system, ids, "poison messages"))


def test_one_event_published_three_times_has_its_effects_once(system):
    ids = system.seed("THRICE", PRODUCTS)
    system.delete(ids)
    settled(system, ids, "thrice: first delivery")
    republish(system, outbox_rows(system, "catalog.product.deleted.v1", ids), times=2)
    wait_until(lambda: sum(system.queue_depths().values()) == 0, timeout=60, what="the copies consumed")
    assert_exactly_once(settled(system, ids, "one event published three times"))


def test_an_upsert_after_the_delete_does_not_resurrect_the_product(system):
    ids = system.seed("LATE", PRODUCTS)
    upserts = outbox_rows(system, "catalog.product.upserted.v1", ids)
    assert len(upserts) == len(ids)
    system.delete(ids)
    settled(system, ids, "upsert after delete: the delete")
    republish(system, upserts)
    wait_until(lambda: sum(system.queue_depths().values()) == 0, timeout=60, what="the late upserts consumed")
    assert_exactly_once(settled(system, ids, "upsert after delete"))
