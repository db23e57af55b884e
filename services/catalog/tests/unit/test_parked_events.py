"""Parked outbox rows are seen (/readyz, the admin, `manage.py outbox parked`) and can be re-sent."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from catalog.models import Product
from ripple_runtime.outbox.models import OutboxEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def parked(category):
    """Three upserted events: the first parked after ten refusals, the second backing off, one pending."""
    for i in range(3):
        Product.objects.create(category=category, sku=f"P-{i}", name="p")
    first, second, third = OutboxEvent.objects.order_by("id")
    now = timezone.now()
    OutboxEvent.objects.filter(pk=first.pk).update(
        attempts=10, parked_at=now, last_error="NOT_FOUND - no exchange"
    )
    OutboxEvent.objects.filter(pk=second.pk).update(
        attempts=1, next_attempt_at=now + timedelta(minutes=5), last_error="nacked by the broker"
    )
    return first, second, third


def outbox(*args: str) -> str:
    """Run `manage.py outbox ARGS` and return what it printed."""
    out = StringIO()
    call_command("outbox", *args, stdout=out)
    return out.getvalue()


def test_readyz_counts_parked_rows_shows_the_last_error_and_is_not_ok(client, parked):
    body = client.get("/readyz").json()
    assert body["outbox"]["parked"] == 1 and body["outbox"]["pending"] == 2
    assert body["outbox"]["last_parked"] == {
        "event_id": str(parked[0].event_id),
        "last_error": "NOT_FOUND - no exchange",
    }
    assert body["outbox"]["ok"] is False and body["status"] == "degraded"

    outbox("resend", str(parked[0].event_id))
    body = client.get("/readyz").json()
    assert body["outbox"]["parked"] == 0 and body["outbox"]["last_parked"] is None
    assert body["outbox"]["ok"] is True


def test_the_command_lists_parked_rows_and_re_sends_the_ones_named(parked):
    first, second, _ = parked
    listing = outbox("parked")
    assert f"{first.event_id}\t{first.event_type}\tattempts=10\t" in listing and "no exchange" in listing
    assert "1 parked events" in listing

    assert "re-sending 2 events" in outbox("resend", str(first.event_id), str(second.event_id))
    rows = OutboxEvent.objects.filter(pk__in=[first.pk, second.pk])
    assert {(r.parked_at, r.next_attempt_at, r.attempts) for r in rows} == {(None, None, 0)}


def test_resend_all_takes_every_held_row_and_only_those(parked):
    third = parked[2]
    assert "re-sending 2 events" in outbox("resend", "--all")
    assert "re-sending 0 events" in outbox("resend", "--all")
    assert OutboxEvent.objects.get(pk=third.pk).attempts == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give event ids or --all"),
        (("--all", "0b7e6b5e-0000-4000-8000-000000000000"), "give event ids or --all"),
        (("not-a-uuid",), "not an event id"),
    ],
)
def test_resend_refuses_bad_arguments(parked, args, message):
    with pytest.raises(CommandError, match=message):
        outbox("resend", *args)
    assert OutboxEvent.objects.get(pk=parked[0].pk).parked_at is not None


def test_resend_of_a_row_that_is_not_held_re_sends_nothing_and_says_which(parked):
    first, _, third = parked
    with pytest.raises(CommandError, match=str(third.event_id)):
        outbox("resend", str(first.event_id), str(third.event_id))
    assert OutboxEvent.objects.get(pk=first.pk).parked_at is not None


def test_the_admin_filters_parked_rows_shows_attempts_and_errors_and_re_sends(client, admin_user, parked):
    first, _, third = parked
    client.force_login(admin_user)
    page = client.get("/admin/outbox/outboxevent/", {"parked_at__isempty": "0"}).content.decode()
    assert "NOT_FOUND - no exchange" in page and "nacked by the broker" not in page  # parked ones only

    response = client.post(
        "/admin/outbox/outboxevent/",
        {"action": "resend", "_selected_action": [first.pk, third.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "1 events will be sent again." in text and "1 selected events were neither parked" in text
    assert OutboxEvent.objects.get(pk=first.pk).parked_at is None


def test_only_those_who_may_change_outbox_events_can_re_send(client, user_with, parked):
    viewer = user_with("view_outboxevent")
    viewer.is_staff = True
    viewer.save()
    client.force_login(viewer)
    assert client.get("/admin/outbox/outboxevent/").status_code == 200
    response = client.post(
        "/admin/outbox/outboxevent/", {"action": "resend", "_selected_action": [parked[0].pk]}
    )
    assert response.status_code in (200, 302)
    assert OutboxEvent.objects.get(pk=parked[0].pk).parked_at is not None
