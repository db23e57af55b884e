"""The topology is the one source of names: check the names and arguments consumers rely on."""

import pytest

from shared_contracts import topology
from shared_contracts.events import EVENT_MODELS, routing_key_for


def test_every_service_queue_is_quorum_bounded_and_dead_lettered():
    for sub in topology.SUBSCRIPTIONS.values():
        args = sub.queue_arguments()
        assert args["x-queue-type"] == "quorum"
        assert args["x-delivery-limit"] == topology.DELIVERY_LIMIT > 0
        assert args["x-dead-letter-exchange"] == topology.DEAD_LETTER_EXCHANGE_NAME
        dlq = sub.dead_letter_queue()
        assert dlq.bindings == ((topology.DEAD_LETTER_EXCHANGE_NAME, dlq.name),)
        assert dlq.name == args["x-dead-letter-routing-key"]


def test_names_follow_the_design():
    assert topology.SUBSCRIPTIONS["media"].queue_name == "media.catalog-events"
    assert topology.SUBSCRIPTIONS["search"].dead_letter_queue_name == "search.catalog-events.dlq"


def test_every_event_type_reaches_at_least_one_service():
    for event_type in EVENT_MODELS:
        key = routing_key_for(event_type)
        assert any(sub.delivers(key) for sub in topology.SUBSCRIPTIONS.values()), f"{key} would be unroutable"


@pytest.mark.parametrize(
    ("pattern", "key", "expected"),
    [
        ("catalog.product.*", "catalog.product.deleted", True),
        ("catalog.product.*", "catalog.product", False),
        ("catalog.product.*", "catalog.product.deleted.late", False),
        ("catalog.#", "catalog.product.deleted", True),
        ("catalog.#", "catalog", True),
        ("#.deleted", "catalog.media.deleted", True),
        ("catalog.media.deleted", "catalog.media.deleted", True),
        ("catalog.media.deleted", "catalog.product.deleted", False),
    ],
)
def test_topic_bindings_match_as_rabbitmq_matches_them(pattern, key, expected):
    assert topology.topic_matches(pattern, key) is expected
