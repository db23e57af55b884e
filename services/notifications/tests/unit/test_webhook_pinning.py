"""SSRF: a webhook connects to the address the guard checked, over HTTP and HTTPS, whatever DNS says next.

The resolver stand-in answers a test name differently the second time (DNS rebinding); the
receivers are real servers on loopback: 127.0.0.2 plays the allowed public address, 127.0.0.1
the refused internal one, on the same port.
"""

import socket
import ssl

import pytest
import trustme

from notifications import address_guard, webhooks
from notifications.models import WebhookEndpoint
from ripple_testing.servers import WebhookReceiver
from tests.unit.test_webhook_delivery import deliver

pytestmark = pytest.mark.django_db
NAME = "hooks.rebind.test"


class RebindingResolver:
    """Resolves the names it knows to their next answer (the last one sticks), others as usual."""

    def __init__(self, real):
        """Wrap the process's real resolver."""
        self.real, self.answers, self.asked = real, {}, []

    def __call__(self, host, port, *args, **kwargs):
        """socket.getaddrinfo, with the scripted answers first."""
        if host in self.answers:
            self.asked.append(host)
            queue = self.answers[host]
            host = queue.pop(0) if len(queue) > 1 else queue[0]
        return self.real(host, port, *args, **kwargs)


@pytest.fixture
def dns(monkeypatch, settings):
    """NAME resolves to 127.0.0.2 (allowed), then to 127.0.0.1 (loopback: refused)."""
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK = False
    settings.NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.2/32"]
    resolver = RebindingResolver(socket.getaddrinfo)
    resolver.answers[NAME] = ["127.0.0.2", "127.0.0.1"]
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    return resolver


@pytest.fixture(scope="module")
def ca():
    """A certificate authority of the test's own."""
    return trustme.CA()


@pytest.fixture
def trusted(ca, tmp_path, monkeypatch):
    """The worker's session trusts the test CA (and verifies certificates, as always)."""
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setattr(webhooks.session(), "verify", str(bundle))


def pair(tls_for=None):
    """The allowed receiver on 127.0.0.2 and the internal one on 127.0.0.1, same port."""
    allowed = WebhookReceiver(host="127.0.0.2", tls=tls_for("allowed") if tls_for else None).start()
    internal = WebhookReceiver(
        host="127.0.0.1", port=allowed.port, tls=tls_for("internal") if tls_for else None
    ).start()
    return allowed, internal


def test_http_connects_to_the_checked_address_not_to_a_second_answer(eager, dns):
    allowed, internal = pair()
    try:
        endpoint = WebhookEndpoint.objects.create(url=allowed.url("/hook", host=NAME))
        delivery = deliver(endpoint)
        assert delivery.status == "succeeded"
        assert dns.asked == [NAME]  # resolved once, by the guard; the connection used its answer
        [hit] = allowed.received()
        assert hit.headers["Host"] == f"{NAME}:{allowed.port}"
        assert internal.received() == []

        address_guard.clear_cache()  # the verdict expired: the next delivery asks DNS again
        again = deliver(endpoint)
        assert again.status == "failed" and again.attempt_count == 1 and "loopback" in again.last_error
        assert internal.received() == [] and len(allowed.received()) == 1
    finally:
        allowed.stop()
        internal.stop()


def server_tls(ca, name: str, seen: list):
    """A server TLS context with a certificate for `name`, recording the SNI each client sends."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(context)
    context.sni_callback = lambda sock, server_name, ctx: seen.append(server_name)
    return context


def test_https_is_pinned_too_with_sni_and_certificate_checked_against_the_name(eager, dns, ca, trusted):
    seen = []
    allowed, internal = pair(lambda role: server_tls(ca, NAME, seen))
    try:
        delivery = deliver(WebhookEndpoint.objects.create(url=allowed.url("/hook", host=NAME)))
        assert delivery.status == "succeeded", delivery.last_error
        assert seen == [NAME] and len(allowed.received()) == 1 and internal.received() == []
    finally:
        allowed.stop()
        internal.stop()


@pytest.mark.parametrize("certified_name", ["someone-else.test", None])
def test_a_certificate_that_does_not_verify_fails_at_once(
    eager, dns, ca, tmp_path, monkeypatch, certified_name
):
    if certified_name:  # trusted CA, wrong name
        bundle = tmp_path / "ca.pem"
        ca.cert_pem.write_to_path(str(bundle))
        monkeypatch.setattr(webhooks.session(), "verify", str(bundle))
    allowed = WebhookReceiver(host="127.0.0.2", tls=server_tls(ca, certified_name or NAME, [])).start()
    try:  # untrusted CA when no name is given: the system's CAs do not know the test's
        delivery = deliver(WebhookEndpoint.objects.create(url=allowed.url("/hook", host=NAME)))
        assert delivery.status == "failed" and delivery.attempt_count == 1
        assert "certificate verify failed" in delivery.last_error and allowed.received() == []
    finally:
        allowed.stop()
