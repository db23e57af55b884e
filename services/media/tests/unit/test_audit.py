"""`manage.py audit` of media against a catalog's audit API over real HTTP: orphans, races, receipts."""

import json
import os
import time
import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ripple_runtime.outbox.models import OutboxEvent
from ripple_testing.catalog_stand_in import CatalogStandIn
from shared_contracts.events import CloudEvent, ReceiptV1
from tests.conftest import stored

pytestmark = pytest.mark.django_db
AN_HOUR_AGO = time.time() - 3600


@pytest.fixture(autouse=True)
def audit_settings(settings):
    """The catalog's token; no grace, so files written before the run are old enough."""
    settings.CATALOG_API_TOKEN = "audit-token"
    settings.AUDIT = {**settings.AUDIT, "GRACE_SECONDS": 0}


def old(root, key: str) -> str:
    """A file stored an hour ago."""
    stored(root, key)
    os.utime(root / key, (AN_HOUR_AGO, AN_HOUR_AGO))
    return key


def audit(catalog: CatalogStandIn, *args: str) -> list[dict]:
    """Run `audit --json` against the catalog; its JSON lines."""
    out = StringIO()
    call_command("audit", "--json", "--catalog-url", catalog.url, "--page-size", "2", *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def receipts() -> list[CloudEvent]:
    """The receipts in this service's outbox."""
    return [CloudEvent[ReceiptV1].model_validate_json(row.body) for row in OutboxEvent.objects.order_by("id")]


def test_orphans_are_reported_then_removed_with_one_receipt_each_then_nothing_is_left(media_root, tmp_path):
    live = [old(media_root, f"products/{n}/front.jpg") for n in (1, 2, 10)]
    orphans = [old(media_root, key) for key in ("products/3/gone.jpg", "products/1-x/stray.jpg")]
    old(media_root, "elsewhere/not-ours.jpg")
    (media_root / "products" / "4").mkdir()
    (media_root / "products" / "4" / "link.jpg").symlink_to(tmp_path / "canary.txt")
    (media_root / "products" / "5").symlink_to(tmp_path)  # a folder link: never followed
    with CatalogStandIn({}, [*live, "products/9/missing.jpg"]) as catalog:
        found = audit(catalog)
        assert [line["item"] for line in found[:-1]] == [f"file {key}" for key in sorted(orphans)]
        assert all((media_root / key).exists() for key in orphans) and not receipts()
        summary = found[-1]["summary"]
        assert (summary["files"], summary["orphans"], summary["missing_files"]) == (5, 2, 1)
        assert summary["skipped_links_and_special_files"] == 2  # the file link and the folder link

        fixed = audit(catalog, "--fix")
        assert {(line["item"], line["outcome"]) for line in fixed[:-1]} == {
            (f"file {k}", "removed") for k in orphans
        }
        assert not any((media_root / key).exists() for key in orphans)
        assert all((media_root / key).exists() for key in live)
        assert (media_root / "elsewhere/not-ours.jpg").exists() and (tmp_path / "canary.txt").exists()
        assert audit(catalog, "--fix")[-1]["summary"]["orphans"] == 0

    run_id = uuid.UUID(fixed[-1]["summary"]["audit_id"])
    messages = receipts()
    assert {(m.data.service, m.data.deletion_id, m.deletionid) for m in messages} == {
        ("media", run_id, None)  # the deletion is in the data; no receipt is owed for a receipt
    }
    written = [r for m in messages for r in m.data.receipts]
    assert sorted(r.item for r in written) == sorted(f"file {key}" for key in orphans)
    assert {r.status for r in written} == {"repaired"}
    assert {r.event_id for r in written} == {uuid.uuid5(run_id, r.item) for r in written}


def test_a_file_written_during_the_audit_is_never_touched(media_root):
    live = [old(media_root, f"products/{n}/a.jpg") for n in range(1, 7)]
    old_orphan = old(media_root, "products/5/old-orphan.jpg")

    def upload_meanwhile(resource: str, page: int) -> None:
        """An upload whose row has not committed yet: its file is on disk, the listing lacks it."""
        if page == 2:
            stored(media_root, "products/6/uploading.jpg")

    with CatalogStandIn({}, live) as catalog:
        catalog.on_page = upload_meanwhile
        fixed = audit(catalog, "--fix")
    assert [line["item"] for line in fixed[:-1]] == [f"file {old_orphan}"]
    assert (media_root / "products/6/uploading.jpg").exists()
    assert fixed[-1]["summary"]["newer_than_audit"] == 1


def test_an_unreachable_or_refusing_catalog_stops_the_audit_and_removes_nothing(media_root, settings):
    orphan = old(media_root, "products/1/x.jpg")
    with CatalogStandIn({}, []) as catalog:
        settings.CATALOG_API_TOKEN = "wrong"
        with pytest.raises(CommandError, match="HTTP 401"):
            audit(catalog, "--fix")
    assert (media_root / orphan).exists() and not receipts()


def test_text_output_is_a_line_per_finding_and_a_summary(media_root):
    old(media_root, "products/1/x.jpg")
    out = StringIO()
    with CatalogStandIn({}, []) as catalog:
        call_command("audit", "--catalog-url", catalog.url, stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "orphan: file products/1/x.jpg (found)"
    assert lines[1].startswith("audit media ") and "1 files under products/ checked, 1 orphans" in lines[1]
