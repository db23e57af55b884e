"""POST one delivery to its webhook endpoint, signed, and say what the answer means.

One keep-alive `requests.Session` per worker process; no redirects, no proxies from the
environment, a bounded read of the answer; it connects only to the address the guard checked
(notifications.pinning). 2xx delivers, 410 disables the endpoint, 408, 429 and 5xx (and network
errors) retry, honouring Retry-After; what retrying cannot fix fails at once (notifications.failures).
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from notifications import address_guard, failures, signing
from notifications.deliveries import AttemptResult, Verdict
from notifications.models import Delivery, WebhookEndpoint
from notifications.pinning import PinnedAddressAdapter
from notifications.webhook_urls import validate_webhook_url
from ripple_runtime.tracing import hooks

USER_AGENT = "Ripple-Notifications/1.0 (+https://www.standardwebhooks.com/)"
CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
MAX_ANSWER_BYTES = 64 * 1024

_session: tuple[int, requests.Session] | None = None


def session() -> requests.Session:
    """The session of this process (a forked worker child makes its own, never sharing sockets)."""
    global _session
    if _session is None or _session[0] != os.getpid():
        http = requests.Session()
        http.trust_env = False  # no proxies or .netrc from the environment for outgoing webhooks
        http.headers.update({"User-Agent": USER_AGENT, "Content-Type": CONTENT_TYPE})
        for scheme in ("http://", "https://"):
            http.mount(scheme, PinnedAddressAdapter())
        _session = (os.getpid(), http)
    return _session[1]


def signing_secrets(endpoint: WebhookEndpoint) -> list[str]:
    """The current secret, plus the previous one while its rotation grace lasts."""
    valid = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires and expires > timezone.now():
        valid.append(endpoint.previous_secret)
    return valid


def signed_headers(delivery: Delivery, body: bytes) -> dict[str, str]:
    """The Standard Webhooks headers (`webhook-id`: the event id, alike on every retry), and the trace's."""
    msg_id, timestamp = str(delivery.event_id), int(time.time())
    return {
        **hooks.outgoing_headers(),  # traceparent, X-Correlation-ID
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signing.signature_header(
            signing_secrets(delivery.endpoint), msg_id, timestamp, body
        ),
    }


def parse_retry_after(value: str | None) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def read_answer(response: requests.Response) -> str:
    """The answer's body up to MAX_ANSWER_BYTES; a body read to its end keeps the connection alive."""
    body = bytearray()
    try:
        for chunk in response.iter_content(8192):
            body += chunk
            if len(body) > MAX_ANSWER_BYTES:
                break
    except requests.RequestException:
        pass  # the status line is the answer; a broken body only costs the connection
    return body.decode("utf-8", errors="replace").strip()


def judge(response: requests.Response, answer: str, latency_ms: int) -> AttemptResult:
    """What the endpoint's answer means for the delivery."""
    code = response.status_code
    if 200 <= code < 300:
        return AttemptResult(Verdict.DELIVERED, latency_ms, code)
    if code == 410:
        return AttemptResult(Verdict.GONE, latency_ms, code, "410 Gone: the endpoint was disabled")
    detail = answer[:200]
    if failures.http_code_verdict(code) is Verdict.RETRY:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return AttemptResult(Verdict.RETRY, latency_ms, code, f"HTTP {code}: {detail}".strip(), retry_after)
    if 300 <= code < 400:
        location = response.headers.get("Location", "")
        return AttemptResult(
            Verdict.FAILED, latency_ms, code, f"HTTP {code} redirect to {location!r} not followed"
        )
    return AttemptResult(Verdict.FAILED, latency_ms, code, f"HTTP {code}: {detail}".strip())


def send(delivery: Delivery) -> AttemptResult:
    """POST the signed event to the checked address of a valid URL and judge the answer."""
    started = time.perf_counter()

    def elapsed() -> int:
        """Milliseconds since the attempt started."""
        return round((time.perf_counter() - started) * 1000)

    url = delivery.endpoint.url
    try:
        validate_webhook_url(url)  # control characters, spaces, other schemes: never reach a request line
    except ValidationError:
        return AttemptResult(Verdict.FAILED, elapsed(), error=f"invalid webhook URL {url[:200]!r}")
    body = delivery.payload.encode()
    try:
        response = session().post(
            url,
            data=body,
            headers=signed_headers(delivery, body),
            timeout=settings.NOTIFICATIONS_WEBHOOK_TIMEOUT,
            allow_redirects=False,
            stream=True,
        )
    except address_guard.AddressRefused as exc:
        return AttemptResult(Verdict.FAILED, elapsed(), error=str(exc))
    except address_guard.AddressUnresolved as exc:
        return AttemptResult(Verdict.RETRY, elapsed(), error=str(exc))
    except requests.RequestException as exc:
        verdict = failures.request_error_verdict(exc)
        return AttemptResult(verdict, elapsed(), error=f"{type(exc).__name__}: {exc}")
    with response:
        answer = read_answer(response)
    return judge(response, answer, elapsed())
