"""Media's worker prunes deleted-file records and its inbox by age, in bounded batches, and only those."""

import pytest

from media.models import DeletedFile
from ripple_runtime import retention
from ripple_runtime.inbox.models import ProcessedEvent
from tests.factories import deleted_files, processed

pytestmark = pytest.mark.django_db


def test_a_round_prunes_old_records_and_inbox_ids_and_keeps_young_ones():
    deleted_files(4, days_ago=91)
    young_files = deleted_files(3, days_ago=89)
    processed(5, days_ago=31)
    young_ids = processed(2, days_ago=29)
    other_service = processed(2, days_ago=365, service="search")  # a shared database: not media's

    assert retention.prune_round() == {"processed event ids": 5, "deleted-file records": 4}
    assert set(DeletedFile.objects.values_list("pk", flat=True)) == young_files
    assert set(ProcessedEvent.objects.values_list("pk", flat=True)) == young_ids | other_service


def test_a_round_deletes_in_batches_and_stops_at_its_limit(settings):
    settings.RETENTION = {**settings.RETENTION, "BATCH_SIZE": 2, "ROUND_LIMIT": 5}
    deleted_files(7, days_ago=100)
    assert retention.prune_round()["deleted-file records"] == 5
    assert DeletedFile.objects.count() == 2
    assert retention.prune_round()["deleted-file records"] == 2  # the next round goes on
    assert not DeletedFile.objects.exists()


def test_the_retention_comes_from_the_settings(settings):
    settings.RETENTION = {**settings.RETENTION, "DELETED_FILE_DAYS": 10, "INBOX_DAYS": 7}
    deleted_files(1, days_ago=11)
    kept = deleted_files(1, days_ago=9)
    processed(1, days_ago=8)
    assert retention.prune_round() == {"processed event ids": 1, "deleted-file records": 1}
    assert set(DeletedFile.objects.values_list("pk", flat=True)) == kept
