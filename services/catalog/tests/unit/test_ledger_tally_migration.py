"""Deletions held before the tally existed get it counted from their receipts when migrating."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE, AFTER = [("ledger", "0001_initial")], [("ledger", "0002_tally_per_service")]


def migrate(targets):
    """Migrate the test database to these targets; return the app registry of that state."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_tally_of_deletions_held_before_it_is_counted_from_their_receipts():
    apps = migrate(BEFORE)
    Deletion, Receipt = apps.get_model("ledger", "Deletion"), apps.get_model("ledger", "Receipt")
    requested = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    deletion = Deletion.objects.create(
        id=uuid.uuid4(), kind="bulk", summary="3 products", requested_at=requested, expected_total=6
    )
    untouched = Deletion.objects.create(id=uuid.uuid4(), kind="single", summary="p 9", requested_at=requested)
    answered = [
        ("media", "done", 1),
        ("media", "failed", 2),
        ("media", "done", 3),
        ("search", "not_applicable", 4),
    ]
    for service, status, seconds in answered:
        Receipt.objects.create(
            deletion=deletion,
            event_id=uuid.uuid4(),
            event_type="catalog.product.deleted.v1",
            service=service,
            status=status,
            handled_at=requested + timedelta(seconds=seconds),
            received_at=requested + timedelta(seconds=seconds),
        )
    try:
        apps = migrate(AFTER)
        Deletion = apps.get_model("ledger", "Deletion")
        assert Deletion.objects.get(pk=deletion.pk).tally == {
            "media": {
                "statuses": {"done": 2, "failed": 1},
                "last_receipt_at": "2026-12-01T12:00:03.000000+00:00",
            },
            "search": {
                "statuses": {"not_applicable": 1},
                "last_receipt_at": "2026-12-01T12:00:04.000000+00:00",
            },
        }
        assert Deletion.objects.get(pk=untouched.pk).tally == {}
    finally:
        migrate(AFTER)  # the rest of the suite runs on the latest schema
