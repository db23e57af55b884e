"""The media handler deletes exactly the files it is told to, inside MEDIA_ROOT, and records it."""

import pytest

from media.handlers import delete_media_files, safe_key
from media.models import DeletedFile
from ripple_runtime.messaging.service import PermanentFailure
from tests.conftest import stored
from tests.factories import media_deleted

pytestmark = pytest.mark.django_db


def test_files_are_deleted_and_recorded_and_a_missing_file_counts_as_done(media_root):
    key = stored(media_root, "products/1/a.jpg")
    event = media_deleted(key, "products/1/already-gone.jpg", media_id=7, product_id=1)
    delete_media_files([event])
    assert not (media_root / key).exists()
    rows = {r.storage_key: r for r in DeletedFile.objects.all()}
    assert rows[key].existed and not rows["products/1/already-gone.jpg"].existed
    assert rows[key].media_id == 7 and rows[key].event_id == event.id


@pytest.mark.parametrize(
    "key",
    ["../canary.txt", "products/../../canary.txt", "products//a.jpg", "products\\..\\a", "/etc/passwd", ""],
)
def test_keys_that_leave_the_media_root_are_refused(media_root, key):
    with pytest.raises(PermanentFailure):
        safe_key(key)


def test_one_bad_key_in_a_batch_deletes_nothing_at_all(media_root):
    good = stored(media_root, "products/2/ok.jpg")
    with pytest.raises(PermanentFailure):
        delete_media_files([media_deleted(good), media_deleted("products/../../canary.txt")])
    assert (media_root / good).exists()
    assert (media_root.parent / "canary.txt").read_text() == "must survive"
    assert not DeletedFile.objects.exists()


def test_a_symlink_out_of_the_root_is_refused(media_root):
    (media_root / "products").mkdir()
    (media_root / "products" / "escape").symlink_to(media_root.parent)
    with pytest.raises(PermanentFailure, match="outside"):
        safe_key("products/escape/canary.txt")


def test_a_file_that_links_out_of_the_root_is_refused_and_its_target_survives(media_root):
    good = stored(media_root, "products/3/ok.jpg")
    (media_root / "products" / "3" / "link.jpg").symlink_to(media_root.parent / "canary.txt")
    with pytest.raises(PermanentFailure, match="outside"):
        delete_media_files([media_deleted(good, "products/3/link.jpg")])
    assert (media_root / good).exists()
    assert (media_root.parent / "canary.txt").read_text() == "must survive"
