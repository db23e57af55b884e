"""The service declaration: retry timing and the checks that catch a miswired subscription early."""

import pytest

from shared_contracts.messaging.service import EventService, RetryPolicy


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
    service = EventService(name="media", handlers={"catalog.media.deleted.v1": "json.dumps"})
    assert service.task_name("catalog.media.deleted.v1") == "media.catalog.media.deleted.v1"
    import json

    assert service.handler("catalog.media.deleted.v1") is json.dumps
