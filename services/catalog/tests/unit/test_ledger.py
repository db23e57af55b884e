"""The deletion ledger: every delete is one deletion, and receipts bring it to complete or failed."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from catalog.models import Category, Product
from ledger.models import Deletion, Receipt
from ledger.receipts import apply_receipts
from ripple_runtime.messaging.receipts import answer as receipt
from ripple_runtime.messaging.receipts import receipt_events
from ripple_runtime.outbox.models import OutboxEvent
from ripple_runtime.tracing import context, hooks
from ripple_testing.django_fixtures import client_for
from shared_contracts.events import ReceiptStatus, parse_event
from tests.factories import bulk_catalog

pytestmark = pytest.mark.django_db
DONE, NA, FAILED = ReceiptStatus.DONE, ReceiptStatus.NOT_APPLICABLE, ReceiptStatus.FAILED


def events_of(deletion: Deletion) -> list:
    """The deletion's events as the services receive them (parsed from the outbox)."""
    ids = {str(e) for e in deletion.event_rows.values_list("event_id", flat=True)}
    return [
        parse_event(body)
        for body in OutboxEvent.objects.values_list("body", flat=True)
        if json.loads(body)["id"] in ids
    ]


def answer(
    events, service: str, status: ReceiptStatus = DONE, reason: str = "", traceparent=None, **only
) -> list:
    """One service's receipt message for each event of the given types (all by default) it is bound to.

    The message carries `traceparent` as a service's does: the traceparent of the events it answers.
    """
    from shared_contracts import topology

    chosen = [
        e
        for e in events
        if service in topology.expected_services(e.type) and (not only or e.type in only["types"])
    ]
    if not chosen:
        return []
    return receipt_events(
        service,
        chosen[0].deletionid,
        [receipt(e.id, e.type, status, reason=reason) for e in chosen],
        traceparent=traceparent,
    )


def counted(deletion: Deletion) -> dict[str, dict[str, int]]:
    """Per service, the deletion's receipt rows by status, counted (the tally must say the same)."""
    counts: dict[str, dict[str, int]] = {}
    for service, status in Receipt.objects.filter(deletion=deletion).values_list("service", "status"):
        counts.setdefault(service, {}).setdefault(status, 0)
        counts[service][status] += 1
    return counts


def fold(receipts) -> None:
    """Hand receipts to the catalog worker's handler, in a transaction like its task."""
    with transaction.atomic():
        apply_receipts(receipts)


def outcome_events(kind: str) -> list[dict]:
    """The catalog.deletion.<kind>.v1 events in the outbox."""
    return [
        json.loads(b)
        for b in OutboxEvent.objects.filter(event_type=f"catalog.deletion.{kind}.v1").values_list(
            "body", flat=True
        )
    ]


def test_a_single_delete_answers_where_to_follow_it_and_waits_for_every_bound_service(
    api, product_with_media
):
    response = api.delete(f"/api/v1/products/{product_with_media.pk}/")
    assert response.status_code == 204
    deletion = Deletion.objects.get()
    assert response["Location"] == f"http://testserver/api/v1/deletions/{deletion.pk}/"
    assert (deletion.kind, deletion.summary, deletion.status, deletion.requested_by) == (
        "single",
        f"product {product_with_media.pk}",
        "pending",
        "admin",
    )
    # one product.deleted listing its two media, expected from every service bound to it
    assert deletion.events == 1
    assert deletion.expected == {"media": 1, "notifications": 1, "search": 1}
    events = events_of(deletion)
    assert {e.deletionid for e in events} == {deletion.pk}


def test_receipts_bring_a_deletion_from_pending_to_complete_with_each_services_time(api, product_with_media):
    api.delete(f"/api/v1/products/{product_with_media.pk}/")
    deletion = Deletion.objects.get()
    events = events_of(deletion)
    fold(answer(events, "media"))
    fold(answer(events, "search"))
    detail = api.get(f"/api/v1/deletions/{deletion.pk}/").json()
    assert detail["status"] == "pending" and detail["pending"] == 1
    assert detail["services"]["media"]["statuses"] == {"done": 1}
    assert detail["services"]["notifications"] == {
        "expected": 1,
        "received": 0,
        "pending": 1,
        "statuses": {},
        "last_receipt_at": None,
    }
    assert outcome_events("completed") == []
    fold(answer(events, "notifications", NA))
    detail = api.get(f"/api/v1/deletions/{deletion.pk}/").json()
    assert detail["status"] == "complete" and detail["completed_at"]
    assert detail["services"]["notifications"]["statuses"] == {"not_applicable": 1}
    assert all(entry["last_receipt_at"] for entry in detail["services"].values())
    (completed,) = outcome_events("completed")
    assert completed["data"]["deletion_id"] == str(deletion.pk)
    assert completed["data"]["receipts"]["media"] == {"done": 1}


def test_the_outcome_event_goes_on_in_the_trace_of_the_delete(api, product_with_media):
    caller = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    api.delete(f"/api/v1/products/{product_with_media.pk}/", HTTP_TRACEPARENT=caller)
    events = events_of(Deletion.objects.get())
    # each service answers from a span of its own: same trace, other parent ids
    receipts = [
        message
        for number, service in enumerate(("media", "search", "notifications"))
        for message in answer(events, service, traceparent=f"{caller[:36]}{number:016x}-01")
    ]
    with hooks.handling("catalog", "ripple.receipt.v1", receipts, attempt=1):  # as the catalog worker's task
        fold(receipts)
    (completed,) = outcome_events("completed")
    assert context.trace_id_of(completed["traceparent"]) == "0af7651916cd43dd8448eb211c80319c"


def test_a_failed_receipt_fails_the_deletion_until_a_redrive_reports_done(api, product_with_media):
    api.delete(f"/api/v1/products/{product_with_media.pk}/")
    deletion = Deletion.objects.get()
    events = events_of(deletion)
    fold(answer(events, "search") + answer(events, "notifications"))
    fold(answer(events, "media", FAILED, "PermanentFailure: storage key refused"))
    detail = api.get(f"/api/v1/deletions/{deletion.pk}/").json()
    assert detail["status"] == "failed" and detail["failed"] == 1
    assert {f["reason"] for f in detail["failed_events"]} == {"PermanentFailure: storage key refused"}
    (failed,) = outcome_events("failed")
    assert len(failed["data"]["failed_events"]) == 1
    assert detail["services"]["media"]["statuses"] == {"failed": 1} == counted(deletion)["media"]
    fold(answer(events, "media"))  # the redrive worked
    deletion.refresh_from_db()
    assert (deletion.status, deletion.failed, deletion.settled) == ("complete", 0, 3)
    assert len(outcome_events("completed")) == 1
    detail = api.get(f"/api/v1/deletions/{deletion.pk}/").json()
    assert {service: entry["statuses"] for service, entry in detail["services"].items()} == counted(deletion)
    assert detail["services"]["media"]["statuses"] == {"done": 1}


def test_a_success_is_final_and_repeats_change_nothing(api, product_with_media):
    api.delete(f"/api/v1/products/{product_with_media.pk}/")
    deletion = Deletion.objects.get()
    events = events_of(deletion)
    done = answer(events, "media")
    fold(done)
    fold(done)  # redelivered receipts
    fold(answer(events, "media", FAILED, "late"))  # an older failure arriving last
    deletion.refresh_from_db()
    assert (deletion.settled, deletion.failed) == (1, 0)
    assert Receipt.objects.filter(deletion=deletion).count() == 1
    assert set(Receipt.objects.values_list("status", flat=True)) == {"done"}


def test_receipts_for_foreign_events_or_from_unbound_services_are_ignored(api, product_with_media, caplog):
    api.delete(f"/api/v1/media/{product_with_media.media.first().pk}/")
    deletion = Deletion.objects.get()
    (media_event,) = events_of(deletion)
    stranger = receipt_events("search", deletion.pk, [receipt(media_event.id, media_event.type, DONE)])
    unknown = receipt_events("media", deletion.pk, [receipt(uuid.uuid4(), media_event.type, DONE)])
    fold(stranger + unknown)
    assert not Receipt.objects.exists()
    assert "search is not bound to catalog.media.deleted.v1" in caplog.text


def test_a_category_cascade_is_one_deletion_with_every_event(api, category):
    bulk_catalog(category, products=30, media_per_product=1)
    response = api.delete(f"/api/v1/categories/{category.pk}/")
    assert response.status_code == 204
    deletion = Deletion.objects.get()
    assert deletion.kind == "cascade" and deletion.events == 30 + 1
    assert deletion.expected == {"media": 30, "notifications": 31, "search": 30}
    events = events_of(deletion)
    fold([r for service in ("media", "search", "notifications") for r in answer(events, service)])
    deletion.refresh_from_db()
    assert deletion.status == "complete" and deletion.settled == 91


def test_a_delete_outside_any_request_still_opens_a_deletion(product_with_media):
    Product.objects.get(pk=product_with_media.pk).media.first().delete()
    deletion = Deletion.objects.get()
    assert (deletion.kind, deletion.events, deletion.expected) == ("other", 1, {"media": 1})


def test_an_admin_delete_links_to_its_deletion(client, admin_user, product_with_media):
    client.force_login(admin_user)
    response = client.post(
        f"/admin/catalog/product/{product_with_media.pk}/delete/", {"post": "yes"}, follow=True
    )
    deletion = Deletion.objects.get()
    assert deletion.kind == "admin"
    assert f"/admin/ledger/deletion/{deletion.pk}/change/" in response.content.decode()


def test_repaired_receipts_open_an_audit_deletion():
    audit = uuid.uuid4()
    fold(
        receipt_events(
            "media",
            audit,
            [
                receipt(
                    uuid.uuid4(), "audit.orphan", ReceiptStatus.REPAIRED, item=f"file products/9/x{n}.jpg"
                )
                for n in range(3)
            ],
        )
    )
    deletion = Deletion.objects.get(pk=audit)
    assert (deletion.kind, deletion.status, deletion.settled, deletion.expected) == (
        "audit",
        "complete",
        3,
        {"media": 3},
    )


def test_the_events_endpoint_lists_each_event_with_every_expected_services_word(api, category):
    bulk_catalog(category, products=2, media_per_product=1)
    api.delete(f"/api/v1/categories/{category.pk}/")  # one category.deleted, two product.deleted
    deletion = Deletion.objects.get()
    events = events_of(deletion)
    fold(answer(events, "search"))
    page = api.get(f"/api/v1/deletions/{deletion.pk}/events/?page_size=2").json()
    assert page["count"] == 3 and len(page["results"]) == 2
    rest = api.get(page["next"]).json()["results"]
    product = next(e for e in [*page["results"], *rest] if e["event_type"] == "catalog.product.deleted.v1")
    assert set(product["receipts"]) == {"media", "notifications", "search"}
    assert product["receipts"]["search"]["status"] == "done"
    assert product["receipts"]["media"]["status"] == "pending"


def test_the_list_filters_by_status_overdue_and_time(api, category, settings):
    products = bulk_catalog(category, products=3, media_per_product=0)
    for product in products:
        api.delete(f"/api/v1/products/{product.pk}/")
    old = Deletion.objects.order_by("requested_at").first()
    Deletion.objects.filter(pk=old.pk).update(requested_at=timezone.now() - timedelta(hours=2))
    settings.LEDGER_OVERDUE_SECONDS = 3600
    assert api.get("/api/v1/deletions/?status=pending").json()["count"] == 3
    overdue = api.get("/api/v1/deletions/?overdue=true").json()
    assert [d["id"] for d in overdue["results"]] == [str(old.pk)] and overdue["results"][0]["overdue"]
    since = (timezone.now() - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert api.get("/api/v1/deletions/", {"requested_after": since}).json()["count"] == 2
    assert api.get("/api/v1/deletions/?status=complete").json()["count"] == 0


@pytest.mark.parametrize(
    "query", ["status=gone", "overdue=maybe", "requested_after=yesterday", "kind=nuke", "page_size=0"]
)
def test_malformed_filters_are_a_400_with_a_json_body(api, query):
    response = api.get(f"/api/v1/deletions/?{query}")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_unknown_deletions_are_a_json_404(api):
    for path in (
        f"/api/v1/deletions/{uuid.uuid4()}/",
        f"/api/v1/deletions/{uuid.uuid4()}/events/",
        "/api/v1/deletions/42/",
    ):
        response = api.get(path)
        assert response.status_code == 404 and response.json()["detail"], path


def test_reading_the_ledger_needs_a_token_and_the_view_permission(client, user_with):
    anonymous = client.get("/api/v1/deletions/")
    assert anonymous.status_code == 401 and anonymous.json()["detail"]
    assert client_for(user_with("view_product")).get("/api/v1/deletions/").status_code == 403
    assert client_for(user_with("view_deletion")).get("/api/v1/deletions/").status_code == 200


def test_nothing_deleted_leaves_no_deletion(api, category):
    assert api.post("/api/v1/products/bulk-delete/", {"ids": [99_999]}, format="json").status_code == 200
    assert not Deletion.objects.exists() and not Category.objects.filter(pk=0).exists()


def test_with_the_ledger_off_deletes_open_no_deletion_and_events_name_none(api, product_with_media, settings):
    settings.LEDGER_ENABLED = False
    response = api.delete(f"/api/v1/products/{product_with_media.pk}/")
    assert response.status_code == 204 and "Location" not in response
    assert not Deletion.objects.exists()
    assert OutboxEvent.objects.filter(event_type__endswith=".deleted.v1").count() == 1
    assert not any('"deletionid"' in body for body in OutboxEvent.objects.values_list("body", flat=True))


def test_the_catalog_worker_never_answers_a_receipt_with_a_receipt(api, product_with_media):
    from catalog.service import SERVICE
    from ripple_runtime.messaging.tasks import process

    api.delete(f"/api/v1/products/{product_with_media.pk}/")
    deletion = Deletion.objects.get()
    receipts = answer(events_of(deletion), "media")
    before = OutboxEvent.objects.count()
    process(SERVICE, "ripple.receipt.v1", receipts)
    assert Receipt.objects.filter(deletion=deletion).count() == 1
    assert OutboxEvent.objects.count() == before  # no receipt of the receipts
