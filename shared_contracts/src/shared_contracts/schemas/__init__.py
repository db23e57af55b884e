"""Generated JSON Schemas of every event type, and the code that writes them.

Two files per type: `<type>.json`, the whole envelope carrying that type's data (its `$id` is
`urn:ripple:schema:<type>`), and `data/<type>.json`, the schema of `data` alone, which is what an
event's CloudEvents `dataschema` names (`urn:ripple:schema:<type>:data`).

Run `make schemas` (or `python -m shared_contracts.schemas`) after changing an event model; a
test fails while the committed files differ from what the models generate. The envelope's schema is at
least as strict as CloudEvents 1.0: its required attributes are required, and an optional
attribute is absent or a value, never `null` (events are serialised without `None`s).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from shared_contracts.events import (
    ENVELOPES,
    EVENT_MODELS,
    REQUIRED_ATTRIBUTES,
    data_schema_urn,
    envelope_schema_urn,
)

DRAFT = "https://json-schema.org/draft/2020-12/schema"
DATA_FOLDER = "data"
CLOUDEVENTS_REQUIRED = set(REQUIRED_ATTRIBUTES)
# What CloudEvents 1.0 says of these attributes, beyond their type.
CLOUDEVENTS_FORMATS = {
    "source": {"format": "uri-reference"},
    "subject": {"minLength": 1},
    "dataschema": {"format": "uri", "minLength": 1},
}


def without_null(attribute: dict[str, Any]) -> dict[str, Any]:
    """An optional attribute's schema as a value or absent: no `null` branch, no `null` default."""
    branches = [branch for branch in attribute.get("anyOf", []) if branch != {"type": "null"}]
    if len(branches) == len(attribute.get("anyOf", [])):
        return attribute
    strict = {key: value for key, value in attribute.items() if key not in ("anyOf", "default")}
    return {**strict, **(branches[0] if len(branches) == 1 else {"anyOf": branches})}


def cloudevents_strict(schema: dict[str, Any]) -> dict[str, Any]:
    """The envelope's schema with CloudEvents 1.0's rules for its context attributes."""
    schema["properties"] = {
        name: {**without_null(attribute), **CLOUDEVENTS_FORMATS.get(name, {})}
        for name, attribute in schema["properties"].items()
    }
    schema["required"] = sorted(set(schema.get("required", [])) | CLOUDEVENTS_REQUIRED)
    return schema


def schema_for(event_type: str) -> dict[str, Any]:
    """Generate the JSON Schema of a whole envelope carrying one event type's data."""
    model = EVENT_MODELS[event_type]
    schema = ENVELOPES[model].model_json_schema(mode="serialization")
    schema["$schema"] = DRAFT
    schema["$id"] = envelope_schema_urn(event_type)
    schema["title"] = event_type
    schema["description"] = (model.__doc__ or "").strip()
    schema["properties"]["type"] = {"const": event_type, "title": "Type", "type": "string"}
    schema["required"] = sorted(set(schema.get("required", [])) | {"id", "time", "type"})
    return cloudevents_strict(schema)


def data_schema_for(event_type: str) -> dict[str, Any]:
    """Generate the JSON Schema of one event type's `data`: the schema its `dataschema` names."""
    model = EVENT_MODELS[event_type]
    schema = model.model_json_schema(mode="serialization")
    schema["$schema"] = DRAFT
    schema["$id"] = data_schema_urn(event_type)
    schema["title"] = f"{event_type} data"
    schema["description"] = (model.__doc__ or "").strip()
    return schema


def _text(schema: dict[str, Any]) -> str:
    """The exact text of a schema file: stable key order, trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def render(event_type: str) -> str:
    """The exact text of an event type's envelope schema file."""
    return _text(schema_for(event_type))


def render_data(event_type: str) -> str:
    """The exact text of an event type's data schema file."""
    return _text(data_schema_for(event_type))


def file_name(event_type: str) -> str:
    """The file that holds one event type's envelope schema."""
    return f"{event_type}.json"


def data_file_name(event_type: str) -> str:
    """The file, relative to this package, that holds one event type's data schema."""
    return f"{DATA_FOLDER}/{event_type}.json"


def load_committed(event_type: str) -> dict[str, Any]:
    """Read the committed envelope schema of an event type from the installed package."""
    return json.loads(resources.files(__name__).joinpath(file_name(event_type)).read_text())


def load_committed_data(event_type: str) -> dict[str, Any]:
    """Read the committed data schema of an event type from the installed package."""
    return json.loads(resources.files(__name__).joinpath(data_file_name(event_type)).read_text())
