"""The README's walkthrough as one function: subscribe, create, upload, delete, and watch every effect.

The walkthrough test runs it against `make dev` as it ships; the layout tests run it with every
service on one database, SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import subprocess

import requests
from standardwebhooks import Webhook

from ripple_testing.processes import wait_until
from ripple_testing.servers import WebhookReceiver
from tests_e2e.system import DevSystem

# The README's stand-in for a photo (any file will do: the catalog stores what it is given).
MAKE_MUG = r"printf '\377\330\377\340ripple mug\377\331' > mug.jpg"


def delete_ripples_everywhere(
    system: DevSystem, receiver: WebhookReceiver, delete_headers: dict[str, str] | None = None
) -> dict:
    """Every effect of every service for one deleted product (its DELETE sent with these headers).

    Return the product as created.
    """
    api = system.api()
    hook = api.post(
        system.url("notifications", "/api/v1/webhooks/"),
        json={"url": receiver.url("/hook"), "event_types": ["catalog.product.deleted.v1"]},
    )
    assert hook.status_code == 201, hook.text
    mail = api.post(
        system.url("notifications", "/api/v1/email-recipients/"),
        json={"email": "ops@example.com", "event_types": ["catalog.product.deleted.v1"]},
    )
    assert mail.status_code == 201, mail.text

    category = api.post(
        system.url("catalog", "/api/v1/categories/"), json={"name": "Kitchen", "slug": "kitchen"}
    )
    product = api.post(
        system.url("catalog", "/api/v1/products/"),
        json={"category": category.json()["id"], "sku": "MUG-1", "name": "Blue mug", "price": "12.50"},
    ).json()
    subprocess.run(["sh", "-c", MAKE_MUG], cwd=system.var, check=True)
    mug = (system.var / "mug.jpg").read_bytes()
    upload = api.post(
        system.url("catalog", "/api/v1/media/"),
        data={"product": product["id"]},
        files={"file": ("mug.jpg", mug, "image/jpeg")},
    )
    assert upload.status_code == 201, upload.text
    stored = next((system.var / "media" / "products" / str(product["id"])).iterdir())
    assert stored.read_bytes() == mug
    served = requests.get(system.url("catalog", upload.json()["url"]), timeout=5)  # make dev serves media
    assert served.status_code == 200 and served.content == mug

    def hits() -> list:
        return api.get(system.url("search", "/api/v1/search"), params={"q": "mug"}).json()["results"]

    wait_until(lambda: [h["product_id"] for h in hits()] == [product["id"]], what="the product in search")

    deleted = api.delete(system.url("catalog", f"/api/v1/products/{product['id']}/"), headers=delete_headers)
    assert deleted.status_code == 204
    deletion_url = deleted.headers["Location"]

    wait_until(lambda: not stored.exists(), what="the media worker to delete the file")
    wait_until(lambda: hits() == [], what="search to drop the product")
    request = wait_until(lambda: receiver.received("/hook"), what="the webhook")[0]
    payload = Webhook(hook.json()["secret"]).verify(request.body, request.headers)
    assert payload["type"] == "catalog.product.deleted.v1"
    assert payload["data"]["sku"] == "MUG-1" and payload["data"]["deleted_by"]["username"] == "admin"
    wait_until(
        lambda: "ops@example.com" in system.process.log() and "MUG-1" in system.process.log(),
        what="the e-mail",
    )

    def succeeded() -> list:
        deliveries = api.get(system.url("notifications", "/api/v1/deliveries/")).json()["results"]
        return [d for d in deliveries if d["status"] == "succeeded"]

    # The webhook reaches the receiver a moment before its worker logs the delivery as succeeded.
    wait_until(lambda: len(succeeded()) == 2, what="both deliveries logged as succeeded")
    assert {d["channel"] for d in succeeded()} == {"webhook", "email"}

    # is it gone everywhere? every service's receipt reached the ledger (through its own broker user)
    def deletion() -> dict:
        return api.get(deletion_url).json()

    done = wait_until(lambda: (d := deletion())["status"] == "complete" and d, what="the deletion")
    assert {name: s["statuses"] for name, s in done["services"].items()} == {
        "media": {"done": 1},  # the product's event, which lists its media row
        "search": {"done": 1},
        "notifications": {"done": 1},  # once the webhook and the mail were delivered
    }
    return product
