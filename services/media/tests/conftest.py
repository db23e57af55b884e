"""Fixtures of the media service's tests: a media root per test, an isolated database."""

import pytest

pytest_plugins = ["ripple_testing.django_fixtures"]


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
