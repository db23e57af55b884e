"""Events from the official CloudEvents SDK, in both content modes, through the real search worker.

Binary mode is handled like structured; what cannot be read, and another version of a handled
type, are dead-lettered with the reason (never acked away) and answered with a `failed` receipt,
which the worker's relay publishes and the SDK reads back; a foreign type is acked and counted.
"""

import json
import uuid
from datetime import datetime

import pytest
from cloudevents.core.bindings import amqp as sdk_amqp
from cloudevents.core.bindings import rabbitmq as sdk_rabbitmq
from cloudevents.core.v1.event import CloudEvent as SdkEvent
from django.core.management import call_command
from django.db import connection

from ripple_runtime.inbox.models import ProcessedEvent
from ripple_runtime.outbox.models import OutboxEvent
from ripple_testing.broker import publish_message, queue_depth, take_messages
from ripple_testing.processes import wait_until
from search.models import SearchDocument
from shared_contracts import topology
from shared_contracts.events import ReceiptStatus, parse_event
from tests.conftest import found
from tests.factories import deleted, upserted

pytestmark = pytest.mark.django_db(transaction=True)
SUB = topology.SUBSCRIPTIONS["search"]
RECEIPTS = topology.SUBSCRIPTIONS["catalog"].queue_name
KEY = "catalog.product.deleted"


def sdk_event(raw: dict, **attributes) -> SdkEvent:
    """The SDK's CloudEvent of one of our events (as a dict), some attributes changed."""
    attrs = {k: v for k, v in raw.items() if k != "data"} | attributes
    attrs["time"] = datetime.fromisoformat(attrs["time"])
    return SdkEvent(attributes=attrs, data=raw["data"])


def publish_binary(vhost, event: SdkEvent, spelling: str = "ce-") -> None:
    """Publish an SDK event in binary mode, its attributes in headers named `<spelling><attribute>`."""
    if spelling == "cloudEvents_":  # the SDK's AMQP binding: cloudEvents_ names, time in epoch ms
        amqp_message = sdk_amqp.to_binary_event(event)
        body, headers = amqp_message.application_data, amqp_message.application_properties
        content_type = amqp_message.properties["content-type"]
    else:  # the SDK's RabbitMQ binding (ce- names), respelled if asked (cloudEvents: is the spec's)
        message = sdk_rabbitmq.to_binary_event(event)
        body, content_type = message.body, message.content_type
        headers = {spelling + k.removeprefix("ce-"): v for k, v in message.headers.items()}
    routing_key = event.get_type().rpartition(".")[0]
    publish_message(vhost, routing_key, body, content_type=content_type, headers=headers)


def publish_structured(vhost, event: SdkEvent) -> None:
    """Publish an SDK event in structured mode (application/cloudevents+json)."""
    message = sdk_rabbitmq.to_structured_event(event)
    routing_key = event.get_type().rpartition(".")[0]
    publish_message(
        vhost, routing_key, message.body, content_type=message.content_type, headers=message.headers
    )


def processed(*ids) -> bool:
    """Whether the worker recorded every one of the event ids in its inbox."""
    return ProcessedEvent.objects.filter(event_id__in=ids).count() == len(ids)


def dead_letter_reasons(vhost) -> dict[str, str]:
    """Each dead letter's event id and reason (taken off the queue)."""
    letters = take_messages(vhost, SUB.dead_letter_queue_name, expect=1)
    return {
        json.loads(m.body).get("id"): m.properties["application_headers"]["x-ripple-reason"] for m in letters
    }


def failed_receipts(vhost, expect: int) -> dict[str, dict]:
    """The receipts the search worker's relay published, read with the SDK: event id → receipt data."""
    receipts = {}
    for m in take_messages(vhost, RECEIPTS, expect=expect, timeout=30):
        message = sdk_rabbitmq.RabbitMQMessage(
            headers=m.properties.get("application_headers") or {},
            content_type=m.properties.get("content_type"),
            body=m.body,
        )
        event = sdk_rabbitmq.from_rabbitmq_event(message)  # structured, as our relay sends them
        assert event.get_type() == "ripple.receipt.v1" and event.get_source() == "/ripple/search"
        assert event.get_dataschema() == "urn:ripple:schema:ripple.receipt.v1:data"
        assert event.get_extension("deletionid") is None  # nobody owes a receipt for a receipt
        data = event.get_data()
        for receipt in data["receipts"]:
            receipts[receipt["event_id"]] = receipt | {"deletion_id": data["deletion_id"]}
    return receipts


def test_binary_events_in_every_spelling_are_handled_like_structured_ones(fresh_vhost, start_worker):
    start_worker()
    structured = upserted(1, name="Brass lamp").to_dict()
    binaries = {
        "ce-": upserted(2, name="Desk lamp").to_dict(),
        "cloudEvents_": upserted(3, name="Floor lamp").to_dict(),
        "cloudEvents:": upserted(4, name="Lamp shade").to_dict(),
    }
    publish_structured(fresh_vhost, sdk_event(structured))
    for spelling, raw in binaries.items():
        publish_binary(fresh_vhost, sdk_event(raw), spelling)
    ids = [structured["id"], *(raw["id"] for raw in binaries.values())]
    wait_until(lambda: processed(*ids), what="the four events")

    assert sorted(found("lamp")) == [1, 2, 3, 4]
    assert dict(SearchDocument.objects.values_list("product_id", "version")) == {1: 1, 2: 1, 3: 1, 4: 1}
    assert queue_depth(fresh_vhost, SUB.dead_letter_queue_name) == 0

    publish_binary(fresh_vhost, sdk_event(deleted(2, version=2).to_dict()))  # a binary delete, too
    wait_until(lambda: sorted(found("lamp")) == [1, 3, 4], what="the binary delete")


def test_a_malformed_binary_event_is_dead_lettered_with_why_and_reported_failed(fresh_vhost, start_worker):
    start_worker()
    deletion = str(uuid.uuid4())
    not_json = deleted(1, version=2).to_dict() | {"deletionid": deletion}
    no_source = deleted(2, version=2).to_dict() | {"deletionid": deletion}
    headers = sdk_rabbitmq.to_binary_event(sdk_event(not_json)).headers
    publish_message(fresh_vhost, KEY, b"{oops", content_type="application/json", headers=headers)
    message = sdk_rabbitmq.to_binary_event(sdk_event(no_source))
    headers = {k: v for k, v in message.headers.items() if k != "ce-source"}
    publish_message(fresh_vhost, KEY, message.body, content_type="application/json", headers=headers)
    wait_until(lambda: queue_depth(fresh_vhost, SUB.dead_letter_queue_name) == 2, what="two dead letters")

    reasons = dead_letter_reasons(fresh_vhost)
    assert reasons[not_json["id"]].startswith("binary mode: data is not JSON")
    assert reasons[no_source["id"]] == "invalid event: source: Field required"
    receipts = failed_receipts(fresh_vhost, expect=2)
    assert {r["status"] for r in receipts.values()} == {ReceiptStatus.FAILED}
    assert receipts[not_json["id"]]["reason"] == reasons[not_json["id"]]
    assert receipts[no_source["id"]]["deletion_id"] == deletion
    assert ProcessedEvent.objects.count() == 0
    assert queue_depth(fresh_vhost, SUB.queue_name) == 0


def test_a_newer_version_of_a_handled_type_is_dead_lettered_and_redrivable(fresh_vhost, start_worker, capsys):
    worker = start_worker()
    raw = deleted(7, version=2).to_dict() | {"deletionid": str(uuid.uuid4())}
    v2 = sdk_event(raw, type="catalog.product.deleted.v2")
    publish_binary(fresh_vhost, v2)
    marker = upserted(9, name="Marker")
    publish_structured(fresh_vhost, sdk_event(marker.to_dict()))
    wait_until(lambda: processed(marker.id), what="the marker event")
    wait_until(lambda: queue_depth(fresh_vhost, SUB.dead_letter_queue_name) == 1, what="the dead letter")

    call_command("deadletters", "list")
    listing = capsys.readouterr().out
    reason = "unhandled version: catalog.product.deleted.v2 (this service handles catalog.product.deleted.v1)"
    assert f"{v2.get_id()}\tcatalog.product.deleted.v2\tattempts=1\t{reason}" in listing
    [receipt] = failed_receipts(fresh_vhost, expect=1).values()
    assert receipt["event_id"] == v2.get_id() and receipt["reason"] == reason
    assert receipt["event_type"] == "catalog.product.deleted.v2"

    worker.stop()  # as for an upgrade: redrive while the old worker is down
    call_command("deadletters", "redrive", "--all")
    assert "redrove 1 events to search.catalog-events" in capsys.readouterr().out
    [back] = take_messages(fresh_vhost, SUB.queue_name, expect=1)
    assert back.properties["content_type"] == "application/cloudevents+json"  # structured now
    redriven = json.loads(back.body)
    assert redriven["id"] == v2.get_id() and redriven["type"] == "catalog.product.deleted.v2"
    assert parse_event(redriven | {"type": "catalog.product.deleted.v1"}).data.product_id == 7
    assert queue_depth(fresh_vhost, SUB.dead_letter_queue_name) == 0


def test_a_type_of_another_family_is_acked_and_counted(fresh_vhost, start_worker):
    worker = start_worker()
    foreign = sdk_event(upserted(3).to_dict(), type="catalog.product.archived.v1")
    publish_binary(fresh_vhost, foreign)
    marker = upserted(9, name="Marker")
    publish_binary(fresh_vhost, sdk_event(marker.to_dict()))
    wait_until(lambda: processed(marker.id), what="the marker event")
    wait_until(lambda: queue_depth(fresh_vhost, SUB.queue_name) == 0, what="the queue to drain")
    worker.stop()

    assert list(ProcessedEvent.objects.values_list("event_id", flat=True)) == [marker.id]
    assert queue_depth(fresh_vhost, SUB.dead_letter_queue_name) == 0
    assert "accepted catalog.product.upserted.v1=1, ignored catalog.product.archived.v1=1" in worker.log()


def test_a_database_error_writing_the_failed_receipt_never_loses_the_dead_letter(fresh_vhost, start_worker):
    table = OutboxEvent._meta.db_table
    with connection.cursor() as cursor:  # an outbox that refuses receipts, as a broken database would
        refuse = "CHECK (event_type <> 'ripple.receipt.v1')"
        cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT refuse_receipts {refuse}")
    try:
        worker = start_worker()
        raw = deleted(7, version=2).to_dict() | {"deletionid": str(uuid.uuid4())}
        publish_binary(fresh_vhost, sdk_event(raw, type="catalog.product.deleted.v2"))
        wait_until(lambda: queue_depth(fresh_vhost, SUB.dead_letter_queue_name) == 1, what="the dead letter")
        wait_until(lambda: "could not record the failed receipt" in worker.log(), what="the logged error")
        marker = upserted(9, name="Marker")  # the consumer goes on
        publish_structured(fresh_vhost, sdk_event(marker.to_dict()))
        wait_until(lambda: processed(marker.id), what="the marker event")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS refuse_receipts")

    assert queue_depth(fresh_vhost, SUB.queue_name) == 0  # acked: not redelivered, not dead-lettered twice
    assert list(dead_letter_reasons(fresh_vhost)) == [raw["id"]]
    assert not OutboxEvent.objects.filter(event_type="ripple.receipt.v1").exists()
