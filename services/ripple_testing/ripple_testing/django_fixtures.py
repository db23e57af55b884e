"""Fixtures every Django service's tests share: a database of their own, users and API clients.

A service's tests/conftest.py enables them:
`pytest_plugins = ["ripple_testing.django_fixtures"]`. Test users only: no real passwords.
"""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture(scope="session")
def django_db_modify_db_settings():
    """Give this run a PostgreSQL test database of its own, so parallel runs never meet."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        db.setdefault("TEST", {})["NAME"] = f"test_{db['NAME']}_{uuid.uuid4().hex[:8]}"


def client_for(user):
    """An API client that authenticates with the user's token."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def admin_user(db):
    """A superuser."""
    from django.contrib.auth.models import User

    return User.objects.create_superuser("admin", "admin@example.com", "a-long-test-password")


@pytest.fixture
def api(admin_user):
    """An API client authenticated as the superuser."""
    return client_for(admin_user)


@pytest.fixture
def user_with(db):
    """Make a user holding exactly the named permissions (e.g. 'delete_product')."""
    from django.contrib.auth.models import Permission, User

    def make(*codenames: str):
        user = User.objects.create_user(f"user-{uuid.uuid4().hex[:6]}", password="x-long-password")  # noqa: S106
        user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
        return user

    return make
