"""The topology is the one source of names: check the names and arguments consumers rely on."""

from shared_contracts import topology
from shared_contracts.events import EVENT_MODELS, routing_key_for


def test_every_service_queue_is_quorum_bounded_and_dead_lettered():
    for sub in topology.SUBSCRIPTIONS.values():
        args = sub.queue_arguments()
        assert args["x-queue-type"] == "quorum"
        assert args["x-delivery-limit"] == topology.DELIVERY_LIMIT > 0
        assert args["x-dead-letter-exchange"] == topology.DEAD_LETTER_EXCHANGE_NAME
        dlq = sub.dead_letter_queue()
        assert dlq.routing_key == args["x-dead-letter-routing-key"] == dlq.name


def test_names_follow_the_design():
    assert topology.SUBSCRIPTIONS["media"].queue_name == "media.catalog-events"
    assert topology.SUBSCRIPTIONS["search"].dead_letter_queue_name == "search.catalog-events.dlq"


def test_every_event_type_reaches_at_least_one_service():
    def matches(pattern: str, key: str) -> bool:
        p, k = pattern.split("."), key.split(".")
        return len(p) == len(k) and all(a in ("*", b) for a, b in zip(p, k, strict=True))

    for event_type in EVENT_MODELS:
        key = routing_key_for(event_type)
        assert any(
            matches(binding, key) for sub in topology.SUBSCRIPTIONS.values() for binding in sub.binding_keys
        ), f"{key} would be unroutable"
