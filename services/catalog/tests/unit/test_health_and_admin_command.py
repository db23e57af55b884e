"""/healthz and /readyz report what they see; `ensure_admin` and `ensure_reader` mirror the accounts."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalog.models import Product
from ripple_runtime.outbox.models import OutboxEvent, RelayHeartbeat

pytestmark = pytest.mark.django_db

CLOSED_BROKER = "amqp://guest:guest@127.0.0.1:1//"  # nothing listens on port 1
TOKEN_A = "a1" * 20
TOKEN_B = "B2" * 15


# --- health ------------------------------------------------------------------------------------


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.fixture
def broker_down(settings):
    """Point the broker check at a port where nothing listens."""
    settings.BROKER_URL = CLOSED_BROKER


def test_readyz_counts_pending_events_and_is_degraded_without_broker_or_relay(client, category, broker_down):
    for i in range(3):
        Product.objects.create(category=category, sku=f"R-{i}", name="r")  # one upserted event each
    first = OutboxEvent.objects.order_by("id").first()
    OutboxEvent.objects.filter(pk=first.pk).update(published_at=timezone.now())

    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"] == {"ok": True}
    assert body["broker"]["ok"] is False and body["broker"]["error"]
    assert body["outbox"]["pending"] == OutboxEvent.objects.filter(published_at__isnull=True).count() == 2
    assert body["outbox"]["relays"] == []
    assert body["outbox"]["ok"] is True and body["outbox"]["oldest_pending_seconds"] < 60


def test_readyz_with_an_empty_outbox(client, broker_down):
    body = client.get("/readyz").json()
    assert body["outbox"]["pending"] == 0 and body["outbox"]["oldest_pending_seconds"] == 0
    assert body["status"] == "degraded"  # still no broker and no relay


def test_readyz_flags_an_old_backlog(client, category, broker_down, settings):
    Product.objects.create(category=category, sku="OLD-1", name="old")
    waited = settings.OUTBOX["BACKLOG_WARNING_SECONDS"] + 60
    OutboxEvent.objects.update(created_at=timezone.now() - timedelta(seconds=waited))
    outbox = client.get("/readyz").json()["outbox"]
    assert outbox["pending"] == 1 and outbox["ok"] is False
    assert outbox["oldest_pending_seconds"] >= waited


def test_readyz_lists_only_fresh_relay_heartbeats(client, broker_down):
    now = timezone.now()
    RelayHeartbeat.objects.create(relay_id="fresh", service="catalog", updated_at=now, broker_connected=True)
    RelayHeartbeat.objects.create(
        relay_id="stale", service="catalog", updated_at=now - timedelta(minutes=5), broker_connected=True
    )
    # another service's relay in a shared database is none of the catalog's business
    RelayHeartbeat.objects.create(relay_id="other", service="search", updated_at=now, broker_connected=True)
    body = client.get("/readyz").json()
    assert [r["relay"] for r in body["outbox"]["relays"]] == ["fresh"]
    assert body["outbox"]["relays"][0]["broker_connected"] is True
    assert body["status"] == "degraded"  # this process cannot reach the broker itself


# --- ensure_admin ------------------------------------------------------------------------------


@pytest.fixture
def admin_env(monkeypatch):
    """Start from no RIPPLE_ADMIN_* at all; the returned function sets them."""
    for name in ("RIPPLE_ADMIN_USER", "RIPPLE_ADMIN_PASSWORD", "RIPPLE_ADMIN_TOKEN"):
        monkeypatch.delenv(name, raising=False)

    def set_env(user=None, password=None, token=None):
        for name, value in (("USER", user), ("PASSWORD", password), ("TOKEN", token)):
            if value is None:
                monkeypatch.delenv(f"RIPPLE_ADMIN_{name}", raising=False)
            else:
                monkeypatch.setenv(f"RIPPLE_ADMIN_{name}", value)

    return set_env


def ensure_admin() -> str:
    """Run the command and return what it printed."""
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    return out.getvalue()


def token_client(key: str) -> APIClient:
    """A client that authenticates with a raw token key."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_ensure_admin_creates_a_superuser_whose_token_works(admin_env, category):
    admin_env(user="ops", password="first-long-password", token=TOKEN_A)

    assert "created" in ensure_admin()

    user = User.objects.get(username="ops")
    assert user.is_superuser and user.is_staff and user.is_active
    assert user.check_password("first-long-password")
    assert Token.objects.get(user=user).key == TOKEN_A
    client = token_client(TOKEN_A)
    response = client.post("/api/v1/products/", {"category": category.pk, "sku": "T-1", "name": "t"})
    assert response.status_code == 201, response.content
    assert client.delete(f"/api/v1/products/{response.json()['id']}/").status_code == 204
    assert (
        client.post("/api/v1/products/bulk-delete/", {"ids": [1], "dry_run": True}, format="json").status_code
        == 200
    )


def test_ensure_admin_is_idempotent_and_rotates_the_token(admin_env):
    admin_env(user="ops", password="first-long-password", token=TOKEN_A)
    ensure_admin()
    first = User.objects.get(username="ops")

    assert "updated" in ensure_admin()  # the same environment again changes nothing
    assert User.objects.count() == 1 and list(Token.objects.values_list("key", flat=True)) == [TOKEN_A]

    admin_env(user="ops", password="second-long-password", token=TOKEN_B)
    assert "updated" in ensure_admin()

    user = User.objects.get(username="ops")
    assert user.pk == first.pk and User.objects.count() == 1
    assert user.check_password("second-long-password") and not user.check_password("first-long-password")
    assert list(Token.objects.values_list("key", flat=True)) == [TOKEN_B]
    assert token_client(TOKEN_A).post("/api/v1/categories/", {"name": "x", "slug": "x"}).status_code == 401
    assert token_client(TOKEN_B).post("/api/v1/categories/", {"name": "x", "slug": "x"}).status_code == 201


def test_ensure_admin_restores_a_demoted_user(admin_env):
    User.objects.create_user("ops", password="old-long-password", is_active=False)
    admin_env(user="ops", password="new-long-password")
    assert "updated" in ensure_admin()
    user = User.objects.get(username="ops")
    assert user.is_active and user.is_superuser and user.check_password("new-long-password")
    assert not Token.objects.exists()  # no RIPPLE_ADMIN_TOKEN, no token


def test_ensure_admin_does_nothing_without_a_user_name(admin_env):
    admin_env(password="a-long-password", token=TOKEN_A)
    assert "not set" in ensure_admin()
    assert not User.objects.exists() and not Token.objects.exists()


def test_ensure_admin_needs_a_password(admin_env):
    admin_env(user="ops", token=TOKEN_A)
    with pytest.raises(CommandError, match="RIPPLE_ADMIN_PASSWORD"):
        ensure_admin()
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "token",
    ["short", "a" * 19, "a" * 41, "a" * 30 + "-_", "a" * 30 + " x", "a" * 30 + "/+=", "é" * 20],
)
def test_ensure_admin_refuses_a_malformed_token(admin_env, token):
    admin_env(user="ops", password="a-long-password", token=token)
    with pytest.raises(CommandError, match="RIPPLE_ADMIN_TOKEN"):
        ensure_admin()
    assert not User.objects.exists() and not Token.objects.exists()


def test_ensure_admin_refuses_a_token_another_user_holds(admin_env):
    other = User.objects.create_user("someone-else", password="x-long-password")
    Token.objects.create(user=other, key=TOKEN_A)
    admin_env(user="ops", password="a-long-password", token=TOKEN_A)
    with pytest.raises(CommandError, match="another user"):
        ensure_admin()
    assert Token.objects.get(key=TOKEN_A).user == other


# --- ensure_reader -----------------------------------------------------------------------------


def ensure_reader(monkeypatch, token: str | None) -> str:
    """Run the command with CATALOG_API_TOKEN set to `token` (unset for None); return what it printed."""
    if token is None:
        monkeypatch.delenv("CATALOG_API_TOKEN", raising=False)
    else:
        monkeypatch.setenv("CATALOG_API_TOKEN", token)
    out = StringIO()
    call_command("ensure_reader", stdout=out)
    return out.getvalue()


def test_the_reader_account_may_read_the_audit_api_and_write_nothing(monkeypatch, category):
    product = Product.objects.create(category=category, sku="R-1", name="read me")
    assert "created" in ensure_reader(monkeypatch, TOKEN_A)

    reader = token_client(TOKEN_A)
    assert reader.get("/api/v1/audit/products/").json()["results"] == [[product.pk, product.version]]
    assert reader.get("/api/v1/audit/media/").status_code == 200
    assert reader.get("/api/v1/deletions/").status_code == 403  # the ledger is not its business
    assert reader.post("/api/v1/categories/", {"name": "x", "slug": "x"}).status_code == 403
    assert reader.delete(f"/api/v1/products/{product.pk}/").status_code == 403
    user = User.objects.get(username="catalog-reader")
    assert not (user.is_staff or user.is_superuser or user.has_usable_password())


def test_the_reader_account_is_idempotent_rotates_its_token_and_loses_extra_rights(monkeypatch):
    ensure_reader(monkeypatch, TOKEN_A)
    user = User.objects.get(username="catalog-reader")
    user.is_superuser = True  # somebody widened it by hand
    user.save()

    assert "updated" in ensure_reader(monkeypatch, TOKEN_B)

    user.refresh_from_db()
    assert not user.is_superuser
    assert list(Token.objects.values_list("key", flat=True)) == [TOKEN_B]
    assert token_client(TOKEN_A).get("/api/v1/audit/products/").status_code == 401
    assert sorted(user.get_all_permissions()) == ["catalog.view_product", "catalog.view_productmedia"]


def test_no_reader_without_a_token_and_another_users_token_is_left_to_them(monkeypatch):
    assert "not set" in ensure_reader(monkeypatch, None)
    assert not User.objects.filter(username="catalog-reader").exists()

    admin = User.objects.create_superuser("ops", password="a-long-password")
    Token.objects.create(user=admin, key=TOKEN_A)
    assert "'ops'; left to it" in ensure_reader(monkeypatch, TOKEN_A)
    assert Token.objects.get(key=TOKEN_A).user == admin
    assert not User.objects.filter(username="catalog-reader").exists()

    with pytest.raises(CommandError, match="CATALOG_API_TOKEN"):
        ensure_reader(monkeypatch, "not a token!")
