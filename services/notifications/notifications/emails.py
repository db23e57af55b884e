"""E-mail one delivery through Django's SMTP backend, written from the event's snapshot."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from notifications.deliveries import AttemptResult, Verdict
from notifications.models import Delivery
from shared_contracts.events import CategoryDeletedV1, CloudEvent, ProductDeletedV1, parse_event


def _who(data) -> str:
    """Who made the change, as a reader would say it."""
    return data.deleted_by.username if data.deleted_by else "the system"


def render(event: CloudEvent) -> tuple[str, str]:
    """Subject and plain-text body of the notification for an event."""
    data, when = event.data, event.time.strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(data, ProductDeletedV1):
        subject = f"Product deleted: {data.name} ({data.sku})"
        text = (
            f'The product "{data.name}" (SKU {data.sku}, id {data.product_id}) '
            f"was deleted by {_who(data)} at {when}."
        )
    elif isinstance(data, CategoryDeletedV1):
        subject = f"Category deleted: {data.name}"
        text = (
            f'The category "{data.name}" ({data.slug}, id {data.category_id}) was deleted by {_who(data)} '
            f"at {when}, with {len(data.product_ids)} products."
        )
    else:
        subject, text = f"Ripple event: {event.type}", f"An event of type {event.type} happened at {when}."
    return f"[Ripple] {subject}", f"{text}\n\nEvent {event.type} {event.id}\n"


def is_permanent(exc: Exception) -> bool:
    """SMTP said no for good (5xx), as opposed to later (4xx) or a network problem."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


@contextmanager
def smtp_session() -> Iterator[Callable[[Delivery], AttemptResult]]:
    """A send function whose e-mails share one SMTP connection, closed at the end."""
    connection = get_connection(fail_silently=False)
    with suppress(smtplib.SMTPException, OSError):  # each send then reports why it cannot connect
        connection.open()
    try:
        yield partial(send, connection=connection)
    finally:
        connection.close()


def send(delivery: Delivery, connection=None) -> AttemptResult:
    """Send the e-mail of one delivery; SMTP 4xx and network errors retry, 5xx fails."""
    started = time.perf_counter()
    subject, body = render(parse_event(delivery.payload))
    message = EmailMessage(
        subject,
        body,
        settings.DEFAULT_FROM_EMAIL,
        [delivery.recipient.email],
        headers={"X-Ripple-Event-Id": str(delivery.event_id), "X-Ripple-Event-Type": delivery.event_type},
        connection=connection,
    )
    try:
        message.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        latency = round((time.perf_counter() - started) * 1000)
        verdict = Verdict.FAILED if is_permanent(exc) else Verdict.RETRY
        return AttemptResult(verdict, latency, error=f"{type(exc).__name__}: {exc}")
    return AttemptResult(Verdict.DELIVERED, round((time.perf_counter() - started) * 1000))
