"""The outbox's own rules: batches nest, claims lease, refused rows back off and park, old rows go."""

import os
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Product
from ripple_runtime import retry
from ripple_runtime.outbox import claims, heartbeats, recorder
from ripple_runtime.outbox.claims import prune_published
from ripple_runtime.outbox.models import OutboxEvent, RelayHeartbeat
from tests.factories import bulk_catalog

pytestmark = pytest.mark.django_db


def test_prune_deletes_only_rows_published_before_the_retention(category):
    bulk_catalog(category, products=30, media_per_product=0)
    with recorder.batch():
        Product.objects.all().delete()
    now = timezone.now()
    rows = list(OutboxEvent.objects.order_by("id"))
    old, recent, unpublished = rows[:10], rows[10:20], rows[20:]
    OutboxEvent.objects.filter(pk__in=[r.pk for r in old]).update(published_at=now - timedelta(days=8))
    OutboxEvent.objects.filter(pk__in=[r.pk for r in recent]).update(published_at=now - timedelta(days=1))

    assert prune_published("catalog", timedelta(days=7)) == 10
    left = set(OutboxEvent.objects.values_list("pk", flat=True))
    assert left == {r.pk for r in recent + unpublished}


def test_nested_batches_join_the_outer_one_and_flush_once_at_its_end(category):
    bulk_catalog(category, products=3, media_per_product=0)
    with recorder.batch():
        with recorder.batch():
            Product.objects.filter(sku="B-0").delete()
        assert OutboxEvent.objects.count() == 0  # still buffered in the outer batch
        Product.objects.filter(sku="B-1").delete()
    assert OutboxEvent.objects.count() == 2


def test_large_batches_flush_in_chunks_within_the_transaction(category, monkeypatch):
    monkeypatch.setattr(recorder, "FLUSH_EVERY", 10)
    bulk_catalog(category, products=25, media_per_product=0)
    with pytest.raises(RuntimeError), recorder.batch():
        Product.objects.all().delete()
        assert OutboxEvent.objects.count() == 20  # two chunks written, five still buffered
        raise RuntimeError("abort")
    assert OutboxEvent.objects.count() == 0
    assert Product.objects.count() == 25


def pending_rows(category, count: int) -> list[int]:
    bulk_catalog(category, products=count, media_per_product=0)
    with recorder.batch():
        Product.objects.all().delete()
    return list(OutboxEvent.objects.order_by("id").values_list("id", flat=True))


def test_claims_are_leased_in_id_order_and_skipped_by_other_relays(category):
    ids = pending_rows(category, 5)
    first = claims.claim("catalog", "relay-a", 3, timedelta(seconds=60))
    second = claims.claim("catalog", "relay-b", 3, timedelta(seconds=60))
    assert [row[0] for row in first] == ids[:3]
    assert [row[0] for row in second] == ids[3:]
    assert claims.claim("catalog", "relay-c", 3, timedelta(seconds=60)) == []
    assert set(OutboxEvent.objects.filter(claimed_by="relay-a").values_list("id", flat=True)) == set(ids[:3])


def test_an_expired_lease_lets_another_relay_take_the_rows(category):
    ids = pending_rows(category, 2)
    claims.claim("catalog", "dead-relay", 10, timedelta(seconds=-1))  # as if its lease ran out long ago
    taken = claims.claim("catalog", "live-relay", 10, timedelta(seconds=60))
    assert [row[0] for row in taken] == ids


def test_marking_publishes_confirmed_rows_and_frees_released_ones_at_once_and_failed_ones_later(category):
    ids = pending_rows(category, 4)
    claims.claim("catalog", "relay-a", 10, timedelta(seconds=60))
    claims.mark_published(ids[:2])
    claims.mark_failed({ids[2]: "nacked by the broker"})
    assert claims.release("relay-a") == 1  # the one neither confirmed nor failed
    rows = {row.id: row for row in OutboxEvent.objects.all()}
    assert all(rows[pk].published_at and rows[pk].attempts == 1 for pk in ids[:2])
    assert rows[ids[2]].published_at is None and rows[ids[2]].last_error == "nacked by the broker"
    assert [row.id for row in claims.claim("catalog", "relay-b", 10, timedelta(seconds=60))] == ids[3:]
    assert rows[ids[2]].next_attempt_at > timezone.now()  # the refused one backs off first


# --- refused rows: backoff, parking, re-sending ---------------------------------------------------

QUICK = retry.outbox_refusals(3)  # 2 s, 4 s, then parked


def test_a_refused_row_backs_off_exponentially_and_is_not_claimed_before_its_time(category):
    ids = pending_rows(category, 2)
    claims.claim("catalog", "relay-a", 10, timedelta(seconds=60))
    before = timezone.now()
    assert claims.mark_failed({ids[0]: "nacked by the broker"}, QUICK) == []
    row = OutboxEvent.objects.get(pk=ids[0])
    assert row.attempts == 1 and row.parked_at is None and row.claimed_by == ""
    assert before + timedelta(seconds=1.5) <= row.next_attempt_at <= timezone.now() + timedelta(seconds=2)
    claims.release("relay-a")
    assert [r.id for r in claims.claim("catalog", "relay-b", 10, timedelta(seconds=60))] == ids[1:]

    OutboxEvent.objects.filter(pk=ids[0]).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert [r.id for r in claims.claim("catalog", "relay-b", 10, timedelta(seconds=60))] == ids[:1]
    claims.mark_failed({ids[0]: "nacked again"}, QUICK)
    row = OutboxEvent.objects.get(pk=ids[0])
    assert row.attempts == 2 and row.last_error == "nacked again"
    assert timezone.now() + timedelta(seconds=2.9) <= row.next_attempt_at  # 4 s, jittered down to 3


def test_after_the_last_attempt_a_row_is_parked_and_never_claimed_until_re_sent(category):
    ids = pending_rows(category, 1)
    OutboxEvent.objects.filter(pk=ids[0]).update(attempts=2)  # two refusals already
    assert claims.mark_failed({ids[0]: "unroutable"}, QUICK) == ids
    row = OutboxEvent.objects.get(pk=ids[0])
    assert row.parked_at and row.next_attempt_at is None and row.attempts == 3
    OutboxEvent.objects.filter(pk=ids[0]).update(created_at=timezone.now() - timedelta(days=30))
    assert claims.claim("catalog", "relay-a", 10, timedelta(seconds=60)) == []

    assert claims.resend("catalog") == 1
    row = OutboxEvent.objects.get(pk=ids[0])
    assert (row.parked_at, row.next_attempt_at, row.attempts, row.last_error) == (None, None, 0, "unroutable")
    assert [r.id for r in claims.claim("catalog", "relay-a", 10, timedelta(seconds=60))] == ids


def test_the_cap_comes_from_outbox_max_attempts_and_must_be_positive():
    assert retry.outbox_refusals(1).delay(1) is None  # the first refusal parks
    assert retry.OUTBOX_REFUSED.delay(9) is not None and retry.OUTBOX_REFUSED.delay(10) is None
    with pytest.raises(ValueError, match="at least one attempt"):
        retry.outbox_refusals(0)


# --- silent relays: take-over and pruning -----------------------------------------------------


def beat(relay_id: str, seconds_ago: float, service: str = "catalog", pid_namespace: str = "") -> None:
    """A heartbeat of `relay_id`, last written `seconds_ago` (in another pid space unless given one)."""
    RelayHeartbeat.objects.update_or_create(
        relay_id=relay_id,
        defaults={
            "service": service,
            "updated_at": timezone.now() - timedelta(seconds=seconds_ago),
            "pid_namespace": pid_namespace,
        },
    )


def exited_pid() -> int:
    """The pid of a process that ran and is gone (reaped)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_silent_relays_claims_are_freed_and_a_live_relays_are_not(category):
    ids = pending_rows(category, 6)
    lease = timedelta(seconds=600)
    for relay_id in ("silent", "alive", "no-heartbeat"):
        claims.claim("catalog", relay_id, 2, lease)
    beat("silent", seconds_ago=4)
    beat("alive", seconds_ago=0.5)

    assert heartbeats.take_over_dead("catalog", timedelta(seconds=3), lease) == {"silent": 2}
    assert [row.id for row in claims.claim("catalog", "new", 10, lease)] == ids[:2]
    assert OutboxEvent.objects.filter(claimed_by="alive").count() == 2
    assert OutboxEvent.objects.filter(claimed_by="no-heartbeat").count() == 2  # `--once`: its lease
    released = RelayHeartbeat.objects.filter(released_at__isnull=False)
    assert set(released.values_list("relay_id", flat=True)) == {"silent"}  # handled once, and on record
    assert heartbeats.take_over_dead("catalog", timedelta(seconds=3), lease) == {}


def test_in_the_same_pid_space_a_relay_whose_pid_is_gone_is_dead_at_once(category):
    lease, here = timedelta(seconds=600), heartbeats.PID_NAMESPACE
    assert here, "these machines run Linux: the pid space is known"
    pending_rows(category, 6)
    gone, running = f"host:{exited_pid()}", f"host:{os.getpid()}"
    elsewhere = f"other-container:{exited_pid()}"  # that pid means nothing here
    for relay_id in (gone, running, elsewhere):
        claims.claim("catalog", relay_id, 2, lease)
    beat(gone, seconds_ago=0.2, pid_namespace=here)  # fresh: silence alone would wait
    beat(running, seconds_ago=0.2, pid_namespace=here)
    beat(elsewhere, seconds_ago=0.2, pid_namespace="another-boot:4026531836")

    assert heartbeats.take_over_dead("catalog", timedelta(seconds=3), lease) == {gone: 2}
    assert OutboxEvent.objects.filter(claimed_by=running).count() == 2
    assert OutboxEvent.objects.filter(claimed_by=elsewhere).count() == 2


def test_a_relay_that_stopped_and_gave_its_claims_back_is_not_taken_over_again(category):
    pending_rows(category, 2)
    heartbeats.beat("stopped", "catalog", broker_error="", published_total=3, released=True)
    RelayHeartbeat.objects.filter(relay_id="stopped").update(
        updated_at=timezone.now() - timedelta(seconds=10)
    )
    assert heartbeats.take_over_dead("catalog", timedelta(seconds=3), timedelta(seconds=600)) == {}


def test_another_services_silent_relay_is_none_of_this_relays_business(category):
    pending_rows(category, 2)
    claims.claim("catalog", "search-relay", 2, timedelta(seconds=600))  # as if it were search's
    beat("search-relay", seconds_ago=60, service="search")
    assert heartbeats.take_over_dead("catalog", timedelta(seconds=3), timedelta(seconds=600)) == {}
    assert OutboxEvent.objects.filter(claimed_by="search-relay").count() == 2


def test_heartbeats_of_long_silent_relays_are_pruned(db):
    beat("gone", seconds_ago=25 * 3600)
    beat("recent", seconds_ago=3600)
    beat("other-service", seconds_ago=25 * 3600, service="search")
    assert heartbeats.prune_silent("catalog", timedelta(hours=24)) == 1
    assert set(RelayHeartbeat.objects.values_list("relay_id", flat=True)) == {"recent", "other-service"}
