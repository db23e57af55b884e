"""The committed event schemas are at least as strict as CloudEvents 1.0 about the envelope."""

import json
from importlib import resources

import jsonschema
import pytest

from shared_contracts import examples, schemas
from shared_contracts.events import EVENT_MODELS

FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER


def check(event: dict, event_type: str) -> None:
    """Validate an event against its committed schema, formats included."""
    jsonschema.validate(event, schemas.load_committed(event_type), format_checker=FORMATS)


def golden(event_type: str) -> dict:
    """The golden example of an event type."""
    return json.loads(resources.files(examples).joinpath(f"{event_type}.json").read_text())


@pytest.mark.parametrize("event_type", sorted(EVENT_MODELS))
@pytest.mark.parametrize("attribute", ["specversion", "id", "source", "type"])
def test_every_required_cloudevents_attribute_is_required(event_type, attribute):
    event = golden(event_type)
    check(event, event_type)
    del event[attribute]
    with pytest.raises(jsonschema.ValidationError, match=attribute):
        check(event, event_type)


@pytest.mark.parametrize("event_type", sorted(EVENT_MODELS))
@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("subject", None),
        ("subject", ""),
        ("dataschema", None),
        ("dataschema", ""),
        ("specversion", "0.3"),
        ("source", ""),
        ("traceparent", None),
        ("correlationid", None),
        ("sequence", None),
    ],
)
def test_attributes_are_absent_or_valid_never_null(event_type, attribute, value):
    event = {**golden(event_type), attribute: value}
    with pytest.raises(jsonschema.ValidationError):
        check(event, event_type)
    if attribute not in schemas.CLOUDEVENTS_REQUIRED:  # an optional attribute may be left out
        check({k: v for k, v in event.items() if k != attribute}, event_type)
