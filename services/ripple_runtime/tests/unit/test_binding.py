"""The AMQP binding reads what the official CloudEvents SDK writes, in both content modes, as one event."""

import base64
import json
from datetime import UTC, datetime
from importlib import resources

import pytest
from cloudevents.core.bindings import amqp as sdk_amqp
from cloudevents.core.bindings import rabbitmq as sdk_rabbitmq
from cloudevents.core.v1.event import CloudEvent as SdkEvent

from ripple_runtime.messaging import binding
from shared_contracts import examples
from shared_contracts.events import InvalidEvent, parse_event

TYPE = "catalog.product.deleted.v1"


def golden() -> dict:
    """The golden product.deleted event, with a deletion id."""
    raw = json.loads(resources.files(examples).joinpath(f"{TYPE}.json").read_text())
    return raw | {"deletionid": "6f1c2a9e-0d4b-4f5e-8a7b-3c2d1e0f9a8b"}


def sdk_event(raw: dict) -> SdkEvent:
    """The same event built with the SDK."""
    attributes = {k: v for k, v in raw.items() if k != "data"}
    attributes["time"] = datetime.fromisoformat(raw["time"])
    return SdkEvent(attributes=attributes, data=raw["data"])


def amqp_binary(raw: dict) -> tuple[bytes, str | None, dict]:
    """Body, content type and headers of the SDK's AMQP binary mode (`cloudEvents_` names, time in ms)."""
    message = sdk_amqp.to_binary_event(sdk_event(raw))
    return message.application_data, message.properties.get("content-type"), message.application_properties


def rabbitmq_binary(raw: dict) -> tuple[bytes, str | None, dict]:
    """Body, content type and headers of the SDK's RabbitMQ binary mode (`ce-` names)."""
    message = sdk_rabbitmq.to_binary_event(sdk_event(raw))
    return message.body, message.content_type, message.headers


def spec_binary(raw: dict) -> tuple[bytes, str | None, dict]:
    """The spec's own spelling: `cloudEvents:` names (3.1.3.1), the time as an AMQP timestamp."""
    body, content_type, headers = rabbitmq_binary(raw)
    spelled = {f"cloudEvents:{k.removeprefix('ce-')}": v for k, v in headers.items()}
    spelled["cloudEvents:time"] = datetime.fromisoformat(raw["time"]).replace(tzinfo=None)  # as py-amqp
    return body, f"{content_type}; charset=utf-8", spelled


def structured(raw: dict) -> tuple[bytes, str | None, dict]:
    """Body, content type and headers of the SDK's structured mode."""
    message = sdk_rabbitmq.to_structured_event(sdk_event(raw))
    return message.body, message.content_type, message.headers


@pytest.mark.parametrize("mode", [structured, amqp_binary, rabbitmq_binary, spec_binary])
def test_every_mode_and_spelling_reads_as_the_same_validated_event(mode):
    raw = golden()
    body, content_type, headers = mode(raw)
    read = binding.read_event(body, content_type, headers)
    assert parse_event(read) == parse_event(raw)
    assert parse_event(read).deletionid is not None
    expected = "structured" if mode is structured else "binary"
    assert binding.content_mode(content_type, headers) == expected


@pytest.mark.parametrize("mode", [amqp_binary, rabbitmq_binary, spec_binary])
def test_a_binary_event_is_dead_lettered_as_the_structured_event_it_is(mode):
    raw = golden()
    kept = binding.structured_body(*mode(raw))
    assert parse_event(json.loads(kept)) == parse_event(raw)
    assert binding.content_mode(binding.JSON_FORMAT, {}) == "structured"  # how a redrive sends it


def test_bare_json_without_attribute_headers_is_read_as_structured_as_before():
    raw = golden()
    assert binding.read_event(json.dumps(raw).encode(), None, {"x-ripple-redriven": True}) == raw
    assert binding.read_event(json.dumps(raw), "application/json", None) == raw


@pytest.mark.parametrize(
    ("content_type", "headers", "body", "reason"),
    [
        ("application/cloudevents-batch+json", {}, b"[]", "batched content mode is not supported"),
        ("application/cloudevents+avro", {}, b"\x00", "event format 'application/cloudevents+avro'"),
        ("application/cloudevents+json", {}, b"{not json", "body is not JSON"),
        ("application/json", {"ce-type": TYPE}, b"{not json", "binary mode: data is not JSON"),
        ("text/plain", {"ce-type": TYPE}, b"hello", "data of content type 'text/plain'"),
        ("application/json", {"ce-id": b"\xff"}, b"{}", "header of 'id' is not UTF-8"),
        (
            "application/json",
            {"cloudEvents:type": TYPE, "ce-type": "catalog.product.deleted.v2"},
            b"{}",
            "attributes ['type'] given twice",
        ),
        (
            "application/json",
            {"cloudEvents:time": "2026-11-24T09:30:00Z", "cloudevents:time": datetime(2026, 11, 24)},
            b"{}",
            "attributes ['time'] given twice",
        ),
    ],
)
def test_what_cannot_be_read_says_why(content_type, headers, body, reason):
    with pytest.raises(InvalidEvent) as caught:
        binding.read_event(body, content_type, headers)
    assert reason in caught.value.reason


def test_a_binary_event_missing_required_attributes_fails_validation_with_their_names():
    raw = golden()
    body, content_type, headers = rabbitmq_binary(raw)
    del headers["ce-id"], headers["ce-source"]
    with pytest.raises(InvalidEvent) as caught:
        parse_event(binding.read_event(body, content_type, headers))
    assert "id: Field required" in caught.value.reason and "source: Field required" in caught.value.reason


def test_an_unreadable_binary_event_keeps_its_attributes_and_its_body_in_the_dead_letter():
    headers = {"ce-id": "1234", "ce-type": TYPE, "ce-deletionid": "6f1c2a9e-0d4b-4f5e-8a7b-3c2d1e0f9a8b"}
    kept = json.loads(binding.structured_body(b"\x00\x01", "application/octet-stream", headers))
    assert kept["id"] == "1234" and kept["deletionid"] == headers["ce-deletionid"]
    assert base64.b64decode(kept["data_base64"]) == b"\x00\x01"
    assert kept["datacontenttype"] == "application/octet-stream"


def test_a_time_in_milliseconds_or_as_a_timestamp_is_that_instant():
    instant = datetime(2026, 11, 24, 9, 30, 0, 250000, tzinfo=UTC)
    for value in (int(instant.timestamp() * 1000), instant.replace(tzinfo=None), instant):
        read = binding.read_event(b"{}", "application/json", {"cloudEvents:time": value})
        assert datetime.fromisoformat(read["time"]) == instant
