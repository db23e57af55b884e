"""send_email against a real SMTP server (aiosmtpd): the message, retries, what fails at once."""

import pytest

from notifications.emails import render
from notifications.handlers import fan_out
from notifications.models import Delivery, EmailRecipient
from notifications.tasks import send_email
from ripple_testing.servers import free_port
from tests.conftest import category_deleted, product_deleted, run_task

pytestmark = pytest.mark.django_db


def send(recipient, event=None) -> Delivery:
    """Make the delivery of an event to the recipient, run its task (retries included), reload it."""
    event = event or product_deleted()
    fan_out([event])
    delivery = Delivery.objects.get(event_id=event.id, recipient=recipient)
    run_task(send_email, str(delivery.pk))
    return Delivery.objects.get(pk=delivery.pk)


def test_the_mail_arrives_with_the_product_who_deleted_it_and_the_event(eager, smtp, recipient, settings):
    event = product_deleted(sku="MUG-9", name="Green mug")
    delivery = send(recipient, event)

    assert delivery.status == "succeeded" and delivery.attempt_count == 1
    [message] = smtp.messages
    assert message["Subject"] == "[Ripple] Product deleted: Green mug (MUG-9)"
    assert message["To"] == "ops@example.com" and message["From"] == settings.DEFAULT_FROM_EMAIL
    assert message["X-Ripple-Event-Id"] == str(event.id)
    body = message.get_payload(decode=True).decode()
    assert "deleted by alice" in body and "SKU MUG-9" in body and str(event.id) in body


def test_a_category_mail_says_how_many_products_went_with_it():
    subject, body = render(category_deleted())
    assert subject == "[Ripple] Category deleted: Kitchen"
    assert "with 2 products" in body and "by the system" in body


def test_an_unreachable_smtp_server_is_retried_then_the_delivery_fails(eager, settings, recipient):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    delivery = send(recipient)
    assert delivery.status == "failed" and delivery.attempt_count == 4
    assert "ConnectionRefusedError" in delivery.attempts.first().error


def test_a_recipient_the_server_refuses_for_good_fails_without_retry(eager, smtp):
    smtp.refuse.add("gone@example.com")
    recipient = EmailRecipient.objects.create(email="gone@example.com")
    delivery = send(recipient)
    assert delivery.status == "failed" and delivery.attempt_count == 1
    assert "550" in delivery.last_error and smtp.messages == []


def test_an_inactive_recipient_gets_nothing(eager, smtp, recipient):
    event = product_deleted()
    fan_out([event])
    EmailRecipient.objects.filter(pk=recipient.pk).update(is_active=False)
    delivery = Delivery.objects.get(event_id=event.id)
    run_task(send_email, str(delivery.pk))
    delivery.refresh_from_db()
    assert delivery.status == "disabled" and smtp.messages == []


def test_an_event_that_does_not_parse_fails_at_once(eager, smtp, recipient):
    event = product_deleted()
    fan_out([event])
    Delivery.objects.filter(event_id=event.id).update(payload='{"type": "catalog.product.deleted.v1"}')
    delivery = Delivery.objects.get(event_id=event.id)
    run_task(send_email, str(delivery.pk))
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempt_count == 1
    assert "InvalidEvent" in delivery.last_error and smtp.messages == []


@pytest.mark.parametrize(
    "name",
    [
        "Blue mug\r\nBcc: everyone@example.com",
        "Blue mug\nX-Injected: yes",
        "Blue\x00 mug\x0b\u2028\u0085 \t",
    ],
)
def test_a_name_with_line_breaks_is_sent_at_once_with_a_one_line_subject(eager, smtp, recipient, name):
    delivery = send(recipient, product_deleted(name=name))
    assert delivery.status == "succeeded" and delivery.attempt_count == 1
    [message] = smtp.messages
    assert message["Subject"].startswith("[Ripple] Product deleted: Blue")
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert message.get_all("To") == ["ops@example.com"]


@pytest.mark.parametrize(
    "address", ["not-an-address", "ops@example.com\nBcc: everyone@example.com", "ops@exa mple.com"]
)
def test_an_invalid_recipient_address_fails_at_once_and_sends_nothing(eager, smtp, address):
    recipient = EmailRecipient.objects.create(email=address)  # past the API's check: the admin, old rows
    delivery = send(recipient)
    assert delivery.status == "failed" and delivery.attempt_count == 1
    assert delivery.last_error.startswith("cannot be sent") and smtp.messages == []


def test_a_recipient_the_server_defers_4xx_is_retried_until_the_schedule_is_used_up(eager, smtp):
    smtp.defer.add("busy@example.com")
    delivery = send(EmailRecipient.objects.create(email="busy@example.com"))
    assert delivery.status == "failed" and delivery.attempt_count == 4
    assert "450" in delivery.last_error and delivery.last_error.startswith("gave up")


def test_a_message_the_server_refuses_5xx_after_data_fails_at_once(eager, smtp, recipient):
    smtp.data_reply = "554 5.6.0 message content rejected"
    delivery = send(recipient)
    assert delivery.status == "failed" and delivery.attempt_count == 1
    assert "554" in delivery.last_error and "SMTPDataError" in delivery.last_error


def test_a_message_the_server_defers_4xx_after_data_is_retried(eager, smtp, recipient):
    smtp.data_reply = "451 4.3.0 try again later"
    delivery = send(recipient)
    assert delivery.status == "failed" and delivery.attempt_count == 4 and "451" in delivery.last_error
