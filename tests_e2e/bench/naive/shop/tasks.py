"""The three jobs of a delete, as Celery tasks: remove the file, deindex, POST the webhook."""

import requests
from celery import shared_task
from django.conf import settings
from django.core.files.storage import default_storage

from tests_e2e.bench.naive.shop.models import SearchEntry


@shared_task(name="naive.delete_file")
def delete_file(name: str) -> None:
    """Remove a stored file (nothing to do if it is gone already)."""
    default_storage.delete(name)


@shared_task(name="naive.deindex_product")
def deindex_product(product_id: int) -> None:
    """Remove a product's row from the search table."""
    SearchEntry.objects.filter(product_id=product_id).delete()


@shared_task(
    name="naive.send_webhook",
    autoretry_for=(requests.RequestException,),
    retry_backoff=True,
    max_retries=5,
)
def send_webhook(payload: dict) -> None:
    """POST the event to the subscriber; retried with backoff when it fails."""
    requests.post(settings.NAIVE_WEBHOOK_URL, json=payload, timeout=10).raise_for_status()
