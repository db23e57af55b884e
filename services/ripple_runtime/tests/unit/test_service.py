"""The service declaration: retry timing and the checks that catch a miswired subscription early."""

import pytest

from ripple_runtime.messaging.service import EventService, SubscriptionMismatch, check_subscription
from ripple_runtime.retry import RELAY_BACKOFF, RetryPolicy
from shared_contracts import topology

MEDIA_HANDLERS = {"catalog.media.deleted.v1": "json.dumps", "catalog.product.deleted.v1": "json.dumps"}


def test_backoff_grows_exponentially_with_jitter_and_is_capped():
    policy = RetryPolicy(max_retries=8, base_delay=2, max_delay=60)
    for attempt, ceiling in [(1, 2), (2, 4), (3, 8), (4, 16), (6, 60), (8, 60)]:
        delays = {policy.countdown(attempt) for _ in range(200)}
        assert max(delays) <= ceiling
        assert min(delays) >= max(1, round(ceiling * 0.75))
    assert len({policy.countdown(5) for _ in range(200)}) > 1  # jittered, not lock-step


def test_an_explicit_schedule_is_followed_and_its_last_step_repeats():
    policy = RetryPolicy(schedule=(5, 30, 120), max_delay=3600)
    assert 4 <= policy.countdown(1) <= 5
    assert 23 <= policy.countdown(2) <= 30
    assert 90 <= policy.countdown(5) <= 120


def test_a_service_must_exist_in_the_topology_and_handle_known_types():
    with pytest.raises(ValueError, match="no subscription"):
        EventService(name="billing", handlers={})
    with pytest.raises(ValueError, match="unknown event types"):
        EventService(name="media", handlers={"catalog.media.exploded.v1": "x.y"})


def test_task_names_say_service_and_event_type_and_handlers_resolve_lazily():
    service = EventService(name="media", handlers=MEDIA_HANDLERS)
    assert service.task_name("catalog.media.deleted.v1") == "media.catalog.media.deleted.v1"
    import json

    assert service.handler("catalog.media.deleted.v1") is json.dumps


def test_a_handler_for_a_type_its_queue_is_not_bound_to_is_refused():
    with pytest.raises(
        SubscriptionMismatch, match=r"search handles \['catalog.media.deleted.v1'\].*never receive"
    ):
        EventService(
            name="search",
            handlers={"catalog.media.deleted.v1": "json.dumps", "catalog.product.deleted.v1": "json.dumps"},
        )


def test_a_binding_no_handler_takes_is_refused():
    with pytest.raises(SubscriptionMismatch, match=r"bound to \['catalog.category.deleted'\].*no handler"):
        EventService(
            name="notifications",
            handlers={
                "catalog.product.deleted.v1": "json.dumps",
                "catalog.deletion.completed.v1": "json.dumps",
            },
        )


def test_a_wildcard_binding_is_satisfied_by_any_type_it_delivers():
    check_subscription(topology.SUBSCRIPTIONS["search"], ["catalog.product.deleted.v1"])
    with pytest.raises(SubscriptionMismatch):
        check_subscription(topology.SUBSCRIPTIONS["search"], [])


def test_a_schedule_policy_gives_up_after_its_last_step_and_honours_retry_after_up_to_its_longest():
    policy = RetryPolicy.from_schedule((5, 30, 120))
    assert [policy.delay(n) for n in (1, 2, 3, 4)] == [5, 30, 120, None]
    assert policy.delay(1, retry_after=60) == 60
    assert policy.delay(1, retry_after=9999) == 120


def test_the_relay_backs_off_forever_up_to_its_cap():
    assert 0.4 <= RELAY_BACKOFF.delay(1) <= 0.5
    assert 24 <= RELAY_BACKOFF.delay(100_000) <= 30


@pytest.mark.parametrize(
    ("event_type", "other_version"),
    [
        ("catalog.product.deleted.v2", True),  # newer than what the service handles
        ("catalog.media.deleted.v0", True),  # older
        ("catalog.product.deleted", True),  # the family's name without any version
        ("catalog.media.deleted.v1", False),  # handled
        ("catalog.product.upserted.v1", False),  # another family
        ("catalog.product.deleted.v2.extra", False),
        ("com.example.thing", False),
    ],
)
def test_another_version_of_a_handled_family_is_told_apart_from_a_foreign_type(event_type, other_version):
    service = EventService(name="media", handlers=MEDIA_HANDLERS)
    assert service.is_other_version(event_type) is other_version


def test_the_handled_versions_of_a_family_are_listed():
    service = EventService(name="media", handlers=MEDIA_HANDLERS)
    assert service.handled_versions("catalog.product.deleted.v7") == ["catalog.product.deleted.v1"]
    assert service.handled_versions("catalog.product.upserted.v1") == []
