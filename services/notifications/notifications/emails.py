"""E-mail one delivery through Django's SMTP backend, written from the event's snapshot.

Every header value is made one safe line (a product name with a line break cannot inject a
header or make the message unsendable), and an e-mail that still cannot be written, like one to
an invalid address, fails at once instead of being retried for an hour.
"""

from __future__ import annotations

import re
import smtplib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email

from notifications import failures
from notifications.deliveries import AttemptResult, Verdict
from notifications.models import Delivery
from shared_contracts.events import CategoryDeletedV1, CloudEvent, ProductDeletedV1, parse_event

SUBJECT_LENGTH = 200
# Control characters (C0, DEL, C1) and Unicode line and paragraph separators.
_UNSAFE_IN_HEADER = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def header_text(value: str, limit: int = SUBJECT_LENGTH) -> str:
    """One line that is safe as a header value: control characters and runs of blanks become one space."""
    return " ".join(_UNSAFE_IN_HEADER.sub(" ", value).split())[:limit]


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


def compose(delivery: Delivery, connection=None) -> EmailMessage:
    """The e-mail of a delivery, headers written; ValueError or ValidationError if it never can be."""
    validate_email(delivery.recipient.email)
    subject, body = render(parse_event(delivery.payload))
    message = EmailMessage(
        header_text(subject),
        body,
        settings.DEFAULT_FROM_EMAIL,
        [delivery.recipient.email],
        headers={
            "X-Ripple-Event-Id": str(delivery.event_id),
            "X-Ripple-Event-Type": header_text(delivery.event_type),
        },
        connection=connection,
    )
    message.message()  # a header Django refuses (BadHeaderError) is found here, not mid-SMTP
    return message


def send(delivery: Delivery, connection=None) -> AttemptResult:
    """Send the e-mail of one delivery; what retrying cannot fix fails at once (see failures)."""
    started = time.perf_counter()

    def result(verdict: Verdict, error: str = "") -> AttemptResult:
        """The attempt's result, timed."""
        return AttemptResult(verdict, round((time.perf_counter() - started) * 1000), error=error)

    try:
        message = compose(delivery, connection)
    except (ValueError, ValidationError) as exc:  # InvalidEvent and BadHeaderError are ValueErrors
        return result(Verdict.FAILED, f"cannot be sent: {type(exc).__name__}: {exc}")
    try:
        message.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        return result(failures.smtp_error_verdict(exc), f"{type(exc).__name__}: {exc}")
    return result(Verdict.DELIVERED)
