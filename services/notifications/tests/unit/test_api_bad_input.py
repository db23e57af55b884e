"""Every bad input gets a JSON 400 (or 404) that says what is wrong; nothing is stored."""

import pytest

from notifications.models import WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.com/hook"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "http://-receiver-/hook"}, "url"),
        ({"url": "http://web_hooks/hook"}, "url"),
        ({"url": "http://receiver:99999/hook"}, "url"),
        ({"url": "http://user:pw@127.0.0.1/hook"}, "url"),
        ({"url": "http://10.1.2.3/hook"}, "url"),
        ({"url": "http://169.254.169.254/latest"}, "url"),
        ({"url": "http://127.0.0.1/hook\r\nX-Injected: yes"}, "url"),
        ({"url": "http://127.0.0.1/ho\tok"}, "url"),
        ({"url": "http://127.0.0.1/h", "event_types": ["catalog.product.exploded.v1"]}, "event_types"),
        ({"url": "http://127.0.0.1/h", "event_types": ["catalog.media.deleted.v1"]}, "event_types"),
        ({"url": "http://127.0.0.1/h", "event_types": "catalog.product.deleted.v1"}, "event_types"),
        ({"url": "http://127.0.0.1/h", "secret": "whsec_mine"}, "secret"),
        ({"url": "http://127.0.0.1/h", "colour": "blue"}, "colour"),
        ({"url": "http://127.0.0.1/h", "is_active": 0}, "is_active"),
        ({"url": "http://127.0.0.1/h", "event_types": ["catalog.product.deleted.v1"] * 21}, "event_types"),
        ({"url": "http://127.0.0.1/h", "is_active": "yes"}, "is_active"),
        ({}, "url"),
    ],
)
def test_bad_webhooks_are_refused_with_the_field_named(api, body, field):
    response = api.post("/api/v1/webhooks/", body, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"] and field in response.json()["errors"]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("url", ["http://webhook-receiver:9000/hook", "https://hooks/in?x=1"])
def test_single_label_hosts_of_a_compose_or_kubernetes_network_are_accepted(api, url):
    response = api.post("/api/v1/webhooks/", {"url": url}, format="json")
    assert response.status_code == 201, response.content
    assert WebhookEndpoint.objects.get().url == url


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": "a@example.com\r\nBcc: everyone@example.com"}, "email"),
        ({"email": "a@example.com", "event_types": [1]}, "event_types"),
    ],
)
def test_bad_recipients_are_refused(api, body, field):
    response = api.post("/api/v1/email-recipients/", body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]


@pytest.mark.parametrize("raw", ["[1, 2]", "null", "{not json", '"text"'])
def test_bodies_that_are_not_json_objects_are_400(api, raw):
    response = api.post("/api/v1/webhooks/", raw, content_type="application/json")
    assert response.status_code == 400 and response.json()["detail"]


@pytest.mark.parametrize(
    "query",
    [
        {"status": "lost"},
        {"channel": "pigeon"},
        {"endpoint": "abc"},
        {"event_id": "not-a-uuid"},
        {"event_type": "catalog.media.deleted.v1"},
        {"stauts": "failed"},
        {"page_size": "100000"},
        {"page_size": "0"},
    ],
)
def test_bad_delivery_filters_are_400(api, query):
    response = api.get("/api/v1/deliveries/", query)
    assert response.status_code == 400 and response.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/webhooks/abc/",
        "/api/v1/webhooks/999/",
        "/api/v1/deliveries/123/",
        "/api/v1/deliveries/00000000-0000-0000-0000-000000000000/",
        "/api/v1/nothing/",
    ],
)
def test_unknown_things_are_json_404(api, path):
    response = api.get(path)
    assert response.status_code == 404 and response.json()["detail"]


def test_a_too_large_page_of_a_valid_page_number_is_404_json(api):
    response = api.get("/api/v1/webhooks/", {"page": 9})
    assert response.status_code == 404 and response.json()["detail"]
