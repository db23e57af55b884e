"""Webhook answers and targets that retrying cannot fix fail at once; 408 is worth another try."""

import pytest

from notifications.models import WebhookEndpoint
from ripple_testing.servers import Reply
from tests.unit.test_webhook_delivery import attempts, deliver

pytestmark = pytest.mark.django_db


def test_408_request_timeout_is_retried(eager, receiver, endpoint):
    receiver.script("/hook", Reply(408))
    assert attempts(deliver(endpoint)) == [("retrying", 408, 1), ("succeeded", 200, None)]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:1/hook\r\nX-Injected: yes",
        "http://127.0.0.1:1/ho ok",
        "ftp://127.0.0.1/hook",
        "http:///hook",
        "http://exa_mple..com/hook",
    ],
)
def test_a_url_no_request_can_be_made_to_fails_at_once(eager, url):
    endpoint = WebhookEndpoint.objects.create(url=url)  # past the API's check: the admin, old rows
    delivery = deliver(endpoint)
    assert delivery.status == "failed" and attempts(delivery) == [("failed", None, None)]
    assert delivery.last_error.startswith("invalid webhook URL")


def test_a_single_label_host_is_a_url_requests_can_be_made_to(eager):
    # A compose or Kubernetes service name: the API accepts it, so delivery must try it (here the
    # name does not resolve, a network error worth retrying), never fail it as an invalid URL.
    endpoint = WebhookEndpoint.objects.create(url="http://no-such-ripple-receiver:9000/hook")
    delivery = deliver(endpoint)
    assert not delivery.last_error.startswith("invalid webhook URL"), delivery.last_error
    assert attempts(delivery)[0][0] == "retrying"
