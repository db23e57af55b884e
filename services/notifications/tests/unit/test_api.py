"""The subscription API: CRUD, who may do what, secrets for owners only, the delivery log."""

import pytest
from rest_framework.test import APIClient

from notifications.handlers import fan_out
from notifications.models import Delivery, EmailRecipient, WebhookEndpoint
from notifications.tasks import deliver_webhook
from ripple_testing.django_fixtures import client_for
from ripple_testing.servers import Reply
from tests.conftest import product_deleted, run_task

pytestmark = pytest.mark.django_db
PRODUCT = "catalog.product.deleted.v1"


def test_webhook_crud_with_a_generated_secret_shown_to_its_owner(api, user_with, receiver):
    created = api.post("/api/v1/webhooks/", {"url": receiver.url(), "event_types": [PRODUCT]}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["owner"] == "admin" and body["is_active"] is True
    assert WebhookEndpoint.objects.get(pk=body["id"]).secret == body["secret"]

    url = f"/api/v1/webhooks/{body['id']}/"
    assert api.get(url).json()["secret"] == body["secret"]
    assert client_for(user_with()).get(url).json()["secret"] is None

    changed = api.patch(url, {"event_types": [], "description": "all events"}, format="json")
    assert changed.status_code == 200 and changed.json()["event_types"] == []
    assert api.get("/api/v1/webhooks/").json()["count"] == 1
    assert api.delete(url).status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_rotating_a_secret_issues_a_new_one_and_keeps_the_old_one_for_a_while(api, receiver):
    endpoint = api.post("/api/v1/webhooks/", {"url": receiver.url()}, format="json").json()
    rotated = api.post(f"/api/v1/webhooks/{endpoint['id']}/rotate-secret/")
    assert rotated.status_code == 200
    assert rotated.json()["secret"] != endpoint["secret"]
    stored = WebhookEndpoint.objects.get(pk=endpoint["id"])
    assert stored.previous_secret == endpoint["secret"] and stored.previous_secret_expires_at


def test_switching_an_endpoint_back_on_clears_why_it_was_off(api, receiver):
    endpoint = WebhookEndpoint.objects.create(url=receiver.url(), is_active=False, disabled_reason="410 Gone")
    response = api.patch(f"/api/v1/webhooks/{endpoint.pk}/", {"is_active": True}, format="json")
    assert response.json()["is_active"] is True and response.json()["disabled_reason"] == ""


def test_email_recipient_crud(api):
    created = api.post("/api/v1/email-recipients/", {"email": "ops@example.com"}, format="json")
    assert created.status_code == 201 and created.json()["event_types"] == []
    url = f"/api/v1/email-recipients/{created.json()['id']}/"
    assert api.patch(url, {"is_active": False}, format="json").json()["is_active"] is False
    assert (
        api.post("/api/v1/email-recipients/", {"email": "ops@example.com"}, format="json").status_code == 400
    )
    assert api.delete(url).status_code == 204 and not EmailRecipient.objects.exists()


@pytest.mark.parametrize("path", ["/api/v1/webhooks/", "/api/v1/email-recipients/", "/api/v1/deliveries/"])
def test_without_a_token_everything_is_401(path):
    response = APIClient().get(path)
    assert response.status_code == 401 and response.json()["detail"]


def test_writes_need_the_model_permission(user_with, receiver):
    reader = client_for(user_with())
    assert reader.get("/api/v1/webhooks/").status_code == 200
    denied = reader.post("/api/v1/webhooks/", {"url": receiver.url()}, format="json")
    assert denied.status_code == 403 and denied.json()["detail"]
    assert (
        reader.post("/api/v1/email-recipients/", {"email": "a@example.com"}, format="json").status_code == 403
    )

    endpoint = WebhookEndpoint.objects.create(url=receiver.url())
    assert reader.post(f"/api/v1/webhooks/{endpoint.pk}/rotate-secret/").status_code == 403
    writer = client_for(user_with("add_webhookendpoint", "change_webhookendpoint"))
    assert writer.post("/api/v1/webhooks/", {"url": receiver.url()}, format="json").status_code == 201
    assert writer.post(f"/api/v1/webhooks/{endpoint.pk}/rotate-secret/").status_code == 200
    assert writer.delete(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 403


def test_the_delivery_log_shows_attempts_and_filters(api, eager, receiver, endpoint):
    receiver.script("/hook", Reply(500))
    first, second = product_deleted(1), product_deleted(2)
    fan_out([first, second])
    run_task(deliver_webhook, str(Delivery.objects.get(event_id=first.id).pk))

    listed = api.get("/api/v1/deliveries/", {"status": "succeeded"}).json()
    assert listed["count"] == 1
    [delivery] = listed["results"]
    assert delivery["event_id"] == str(first.id) and delivery["endpoint"] == endpoint.pk
    assert [(a["number"], a["status_code"], a["outcome"]) for a in delivery["attempts"]] == [
        (1, 500, "retrying"),
        (2, 200, "succeeded"),
    ]
    assert delivery["event"]["data"]["sku"] == "MUG-1"
    assert (
        api.get("/api/v1/deliveries/", {"event_id": str(second.id)}).json()["results"][0]["status"]
        == "pending"
    )
    assert api.get("/api/v1/deliveries/", {"endpoint": endpoint.pk}).json()["count"] == 2
    assert api.get("/api/v1/deliveries/", {"channel": "email"}).json()["count"] == 0
    assert api.get(f"/api/v1/deliveries/{delivery['id']}/").json()["attempts"] == delivery["attempts"]


def test_health_and_readiness(api):
    assert api.get("/healthz").json() == {"status": "ok"}
    ready = api.get("/readyz").json()
    assert ready["database"] == {"ok": True} and "open" in ready["deliveries"]


def test_the_admin_lists_subscriptions_and_deliveries(admin_user, client, endpoint):
    fan_out([product_deleted()])
    client.force_login(admin_user)
    for page in ["webhookendpoint", "emailrecipient", "delivery"]:
        assert client.get(f"/admin/notifications/{page}/").status_code == 200
    delivery = Delivery.objects.get()
    assert client.get(f"/admin/notifications/delivery/{delivery.pk}/change/").status_code == 200
    assert client.get(f"/admin/notifications/webhookendpoint/{endpoint.pk}/change/").status_code == 200
