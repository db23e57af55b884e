"""Contract tests: schemas match the models, golden examples still parse, bad events say why."""

import json
from importlib import resources

import jsonschema
import pytest

from shared_contracts import examples, schemas
from shared_contracts.events import (
    EVENT_MODELS,
    InvalidEvent,
    MediaDeletedV1,
    ProductDeletedV1,
    build_event,
    data_schema_urn,
    parse_event,
    routing_key_for,
    sequence_for,
)
from shared_contracts.events.catalog import SOURCE


def golden(event_type: str) -> dict:
    return json.loads(resources.files(examples).joinpath(f"{event_type}.json").read_text())


@pytest.mark.parametrize("event_type", sorted(EVENT_MODELS))
def test_committed_schema_matches_the_model(event_type):
    assert schemas.load_committed(event_type) == json.loads(schemas.render(event_type)), (
        "schema drifted from the model: run `make schemas` and commit the result"
    )


@pytest.mark.parametrize("event_type", sorted(EVENT_MODELS))
def test_golden_example_parses_and_matches_schema(event_type):
    raw = golden(event_type)
    event = parse_event(json.dumps(raw).encode())
    assert event.type == event_type
    assert isinstance(event.data, EVENT_MODELS[event_type])
    jsonschema.validate(raw, schemas.load_committed(event_type))
    # a round trip through our own serialisation is still valid against the schema
    jsonschema.validate(json.loads(event.to_json()), schemas.load_committed(event_type))


@pytest.mark.parametrize("event_type", sorted(EVENT_MODELS))
def test_committed_data_schema_matches_the_model(event_type):
    assert schemas.load_committed_data(event_type) == json.loads(schemas.render_data(event_type)), (
        "data schema drifted from the model: run `make schemas` and commit the result"
    )


@pytest.mark.parametrize("event_type", sorted(EVENT_MODELS))
def test_dataschema_names_the_schema_the_golden_data_adheres_to(event_type):
    raw = golden(event_type)
    data_schema = schemas.load_committed_data(event_type)
    assert raw["dataschema"] == data_schema["$id"] == data_schema_urn(event_type)
    assert data_schema["$id"] != schemas.load_committed(event_type)["$id"]
    formats = jsonschema.Draft202012Validator.FORMAT_CHECKER
    jsonschema.validate(raw["data"], data_schema, format_checker=formats)
    with pytest.raises(jsonschema.ValidationError):  # the data schema is of data, not of the envelope
        jsonschema.validate(raw, data_schema)


def test_the_data_schema_rejects_what_the_data_model_rejects():
    data = golden("catalog.product.deleted.v1")["data"] | {"version": 0}
    with pytest.raises(jsonschema.ValidationError, match="minimum"):
        jsonschema.validate(data, schemas.load_committed_data("catalog.product.deleted.v1"))


def test_every_event_type_has_a_golden_example_and_a_schema():
    shipped = {p.name for p in resources.files(examples).iterdir() if p.name.endswith(".json")}
    assert shipped == {f"{t}.json" for t in EVENT_MODELS}
    data_folder = resources.files(schemas).joinpath(schemas.DATA_FOLDER)
    assert {p.name for p in data_folder.iterdir() if p.name.endswith(".json")} == shipped


def test_unknown_fields_are_ignored_so_additive_changes_do_not_break_consumers():
    raw = golden("catalog.media.deleted.v1")
    raw["data"]["thumbnail_keys"] = ["x"]
    raw["newextension"] = "yes"
    event = parse_event(raw)
    assert event.data.storage_keys == ["products/42/3f2a-mug.jpg"]


def test_schema_rejects_what_the_model_rejects():
    raw = golden("catalog.product.deleted.v1")
    raw["data"]["product_id"] = "forty-two"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(raw, schemas.load_committed("catalog.product.deleted.v1"))
    with pytest.raises(InvalidEvent, match=r"data\.product_id"):
        parse_event(raw)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"type": "catalog.product.exploded.v1"}', "unknown event type"),
        (json.dumps({"type": "catalog.media.deleted.v1", "source": "x"}).encode(), "id: Field required"),
        (
            json.dumps({"specversion": "1.0", "id": "1", "type": "catalog.media.deleted.v1", "source": "x"}),
            "data",
        ),
    ],
)
def test_invalid_events_raise_with_a_reason(body, reason):
    with pytest.raises(InvalidEvent) as caught:
        parse_event(body)
    assert reason in caught.value.reason


def test_absolute_storage_keys_are_refused_at_the_contract():
    with pytest.raises(ValueError, match="relative"):
        MediaDeletedV1(media_id=1, product_id=1, storage_keys=["/etc/passwd"])


def test_build_event_fills_envelope_and_routing_key():
    data = ProductDeletedV1(product_id=1, sku="A", name="a", version=2, search_document_id="product:1")
    event = build_event(data, source=SOURCE, subject="product/1", sequence=sequence_for(2))
    assert event.type == "catalog.product.deleted.v1"
    assert event.routing_key == "catalog.product.deleted"
    assert event.dataschema == "urn:ripple:schema:catalog.product.deleted.v1:data"
    assert event.sequence == "00000000000000000002"
    assert event.time.tzinfo is not None
    assert parse_event(event.to_json()) == event


@pytest.mark.parametrize("bad", ["catalog.product.deleted", "catalog.product.deleted.vx", "v1"])
def test_routing_key_needs_a_versioned_type(bad):
    with pytest.raises(ValueError, match="version"):
        routing_key_for(bad)


def test_sequence_is_a_string_whose_order_is_the_version_order():
    versions = [1, 2, 9, 10, 11, 99, 100, 12345678901234567890 // 10, 10**20 - 1]
    sequences = [sequence_for(v) for v in versions]
    assert all(len(s) == 20 and s.isdigit() for s in sequences)
    assert sorted(sequences) == sequences and sorted(map(str, versions)) != [str(v) for v in versions]
    with pytest.raises(ValueError, match="outside"):
        sequence_for(10**20)


def test_an_integer_sequence_as_events_carried_it_before_still_parses_as_its_string():
    raw = golden("catalog.product.deleted.v1") | {"sequence": 4}
    assert parse_event(raw).sequence == "00000000000000000004"
    assert json.loads(parse_event(raw).to_json())["sequence"] == "00000000000000000004"
    with pytest.raises(InvalidEvent, match="sequence"):
        parse_event(raw | {"sequence": -1})
