"""Our Standard Webhooks signatures, checked by the reference library `standardwebhooks`."""

import base64
from datetime import timedelta

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from notifications import webhooks
from notifications.handlers import plan_deliveries
from notifications.models import WebhookEndpoint, generate_secret
from tests.conftest import product_deleted

pytestmark = pytest.mark.django_db


def signed_delivery(endpoint):
    """A delivery of a product.deleted event to the endpoint, its body and signed headers."""
    delivery = plan_deliveries([product_deleted()])[0]
    delivery.endpoint = endpoint
    body = delivery.payload.encode()
    return delivery, body, webhooks.signed_headers(delivery, body)


def test_a_generated_secret_is_whsec_and_32_random_bytes():
    secret = generate_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert generate_secret() != secret


def test_the_reference_library_verifies_our_signature(receiver):
    endpoint = WebhookEndpoint.objects.create(url=receiver.url())
    delivery, body, headers = signed_delivery(endpoint)

    payload = Webhook(endpoint.secret).verify(body, headers)

    assert payload["id"] == str(delivery.event_id) == headers["webhook-id"]
    assert headers["webhook-signature"].startswith("v1,")


def test_another_secret_or_a_changed_body_does_not_verify(receiver):
    endpoint = WebhookEndpoint.objects.create(url=receiver.url())
    _, body, headers = signed_delivery(endpoint)

    with pytest.raises(WebhookVerificationError):
        Webhook(generate_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(body.replace(b"Blue mug", b"Red mug"), headers)


def test_after_rotation_both_secrets_verify_until_the_grace_ends(receiver):
    endpoint = WebhookEndpoint.objects.create(url=receiver.url())
    old = endpoint.secret
    endpoint.rotate_secret(timedelta(hours=1))
    _, body, headers = signed_delivery(endpoint)
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(body, headers)
    Webhook(endpoint.secret).verify(body, headers)

    endpoint.rotate_secret(timedelta(seconds=-1))  # grace already over
    _, body, headers = signed_delivery(endpoint)
    assert len(headers["webhook-signature"].split(" ")) == 1
    Webhook(endpoint.secret).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(body, headers)
