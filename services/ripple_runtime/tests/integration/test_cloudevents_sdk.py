"""What the relay publishes is a CloudEvent that the official SDK reads, attribute by attribute."""

import json
import uuid

from cloudevents.core.bindings import rabbitmq as sdk_rabbitmq
from cloudevents.core.formats.json import JSONFormat

from ripple_testing.broker import publish_events, take_messages
from shared_contracts import topology
from shared_contracts.events import ProductDeletedV1, build_event, sequence_for
from shared_contracts.events.catalog import SOURCE, MediaRef


def test_the_sdk_reads_a_published_event_with_every_attribute_and_extension(fresh_vhost):
    data = ProductDeletedV1(
        product_id=42,
        sku="MUG-1",
        name="Blue mug",
        version=12,
        search_document_id="product:42",
        media=[MediaRef(media_id=9, storage_keys=["products/42/a.jpg"])],
    )
    ours = build_event(
        data,
        source=SOURCE,
        subject="product/42",
        correlationid="req-1",
        traceparent="00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        deletionid=uuid.uuid4(),
        sequence=sequence_for(12),
    )
    publish_events(fresh_vhost, [ours])
    [received] = take_messages(fresh_vhost, topology.SUBSCRIPTIONS["media"].queue_name, expect=1)

    message = sdk_rabbitmq.RabbitMQMessage(
        headers=received.properties.get("application_headers") or {},
        content_type=received.properties["content_type"],
        body=received.body,
    )
    event = sdk_rabbitmq.from_rabbitmq_event(message)  # picks structured mode by the content type
    assert message.content_type == "application/cloudevents+json"
    assert event.get_id() == str(ours.id) == received.properties["message_id"]
    assert event.get_type() == "catalog.product.deleted.v1" == received.properties["type"]
    assert event.get_source() == "/ripple/catalog" and event.get_subject() == "product/42"
    assert event.get_time() == ours.time and event.get_datacontenttype() == "application/json"
    assert event.get_dataschema() == "urn:ripple:schema:catalog.product.deleted.v1:data"
    assert event.get_extension("sequence") == "00000000000000000012"
    assert event.get_extension("correlationid") == "req-1"
    assert event.get_extension("traceparent") == ours.traceparent
    assert event.get_extension("deletionid") == str(ours.deletionid)
    assert event.get_data() == json.loads(ours.to_json())["data"]
    # the JSON format alone, as a non-AMQP reader of the same bytes would use it
    assert JSONFormat().read(None, received.body).get_attributes() == event.get_attributes()
