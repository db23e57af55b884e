"""The worker's audit schedule: with AUDIT_EVERY_SECONDS it audits and repairs on its own; off by default."""

import json
import os
import time

import pytest
from kombu import Connection

from ripple_runtime.messaging.queues import declare_topology
from ripple_testing.broker import take_messages
from ripple_testing.catalog_stand_in import CatalogStandIn
from ripple_testing.processes import wait_until
from shared_contracts import topology
from shared_contracts.events import parse_event
from tests.conftest import stored

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_worker_audits_every_audit_every_seconds_and_its_receipts_are_published(
    media_root, start_worker, fresh_vhost
):
    with Connection(fresh_vhost.url()) as connection:
        declare_topology(connection.default_channel)  # the catalog's queue of receipts, as its worker would
    live = stored(media_root, "products/1/live.jpg")
    orphan = stored(media_root, "products/2/orphan.jpg")
    hour_ago = time.time() - 3600
    for key in (live, orphan):
        os.utime(media_root / key, (hour_ago, hour_ago))
    with CatalogStandIn({}, [live]) as catalog:
        worker = start_worker(
            "worker",
            AUDIT_EVERY_SECONDS="1",
            AUDIT_GRACE_SECONDS="60",
            CATALOG_API_URL=catalog.url,
            CATALOG_API_TOKEN=catalog.token,
        )
        wait_until(lambda: not (media_root / orphan).exists(), timeout=60, what="the scheduled audit")
        published = take_messages(
            fresh_vhost, topology.SUBSCRIPTIONS["catalog"].queue_name, expect=1, timeout=30
        )
    assert (media_root / live).exists()
    assert "Task media.audit" in worker.log()
    message = parse_event(json.loads(published[0].body)).data
    (receipt,) = message.receipts
    assert (receipt.status, receipt.item, message.service) == (
        "repaired",
        "file products/2/orphan.jpg",
        "media",
    )


def test_the_schedule_is_off_by_default(settings):
    assert settings.AUDIT["EVERY_SECONDS"] == 0
