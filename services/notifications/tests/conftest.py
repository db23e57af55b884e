"""Fixtures of the notifications tests: own database, users with tokens, real HTTP and SMTP servers."""

from __future__ import annotations

import pytest

from notifications import address_guard
from notifications.models import EmailRecipient, WebhookEndpoint
from notifications_site.celery import app as celery_app
from ripple_testing.servers import WebhookReceiver, start_smtp
from shared_contracts.events import CategoryDeletedV1, ProductDeletedV1, build_event
from shared_contracts.events.catalog import Actor

pytest_plugins = ["ripple_testing.django_fixtures"]


@pytest.fixture(autouse=True)
def fresh_address_cache():
    """Every test starts without cached address verdicts."""
    address_guard.clear_cache()
    yield
    address_guard.clear_cache()


@pytest.fixture
def eager(settings):
    """Run Celery tasks in the test's thread, retries included at once; a short schedule."""
    settings.NOTIFICATIONS_RETRY_SCHEDULE = (1, 2, 3)
    celery_app.conf.task_always_eager = True
    yield celery_app
    celery_app.conf.task_always_eager = False


def run_task(task, *args):
    """Run a task eagerly (its retries too) and fail the test if it crashed rather than returned."""
    result = task.apply(args=args)
    assert result.state == "SUCCESS", result.traceback
    return result.result


@pytest.fixture
def receiver():
    """A real webhook receiver on 127.0.0.1."""
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1; Django's SMTP backend (not the test outbox) points at it."""
    controller, sink = start_smtp()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    yield sink
    controller.stop()


def product_deleted(product_id: int = 42, sku: str = "MUG-1", name: str = "Blue mug"):
    """A valid catalog.product.deleted.v1 event, deleted by alice."""
    data = ProductDeletedV1(
        product_id=product_id,
        sku=sku,
        name=name,
        category_id=7,
        version=3,
        search_document_id=f"product:{product_id}",
        deleted_by=Actor(user_id=1, username="alice"),
    )
    return build_event(data, source="/ripple/catalog", subject=f"product/{product_id}")


def category_deleted(category_id: int = 7):
    """A valid catalog.category.deleted.v1 event."""
    data = CategoryDeletedV1(category_id=category_id, name="Kitchen", slug="kitchen", product_ids=[41, 42])
    return build_event(data, source="/ripple/catalog", subject=f"category/{category_id}")


@pytest.fixture
def endpoint(db, receiver):
    """An active webhook endpoint at the receiver's /hook, for every event type."""
    return WebhookEndpoint.objects.create(url=receiver.url("/hook"))


@pytest.fixture
def recipient(db):
    """An active e-mail recipient for every event type."""
    return EmailRecipient.objects.create(email="ops@example.com")
