"""The hand-packed event properties are exactly what py-amqp's own encoder would have sent."""

import amqp
import pytest

from ripple_runtime.messaging.framing import properties, shortstr
from shared_contracts.events import CONTENT_TYPE


@pytest.mark.parametrize("correlation_id", [None, "", "req-5b8f", "ü" * 50])
@pytest.mark.parametrize("event_type", ["catalog.product.deleted.v1", "catalog.media.deleted.v1"])
def test_properties_match_py_amqp_byte_for_byte(correlation_id, event_type):
    message_id = "0b3e7c1e-5f0a-4c1e-9d2b-1a2b3c4d5e01"
    reference = {"content_type": CONTENT_TYPE, "delivery_mode": 2, "message_id": message_id}
    reference["type"] = event_type
    if correlation_id:
        reference["correlation_id"] = correlation_id
    expected = amqp.Message(b"{}", **reference)._serialize_properties()
    assert properties(message_id, event_type, correlation_id) == expected


def test_a_string_too_long_for_amqp_is_refused_not_truncated():
    assert shortstr("x" * 255)[0] == 255
    with pytest.raises(ValueError, match="short string"):
        shortstr("x" * 256)
