"""Fixtures of the media service's tests: a media root per test, an isolated database."""

import uuid

import pytest


@pytest.fixture(scope="session")
def django_db_modify_db_settings():
    """Give this run a database of its own, so parallel runs never meet."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        db.setdefault("TEST", {})["NAME"] = f"test_ripple_media_{uuid.uuid4().hex[:8]}"


@pytest.fixture
def media_root(settings, tmp_path):
    """The catalog's storage as this test sees it, with a canary file outside it."""
    root = tmp_path / "media"
    root.mkdir()
    (tmp_path / "canary.txt").write_text("must survive")
    settings.MEDIA_ROOT = root
    return root


def stored(root, key: str, content: bytes = b"jpeg") -> str:
    """Put a file on the storage under `key` and return the key."""
    path = root / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return key
