"""Is it gone everywhere? The ledger followed end to end, through every real process.

Each test deletes through the API, then reads `GET /api/v1/deletions/{id}/` until the deletion
settles, and checks it against what the services really did.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

from standardwebhooks import Webhook

from ripple_testing.entrypoints import REPO_DIR
from ripple_testing.processes import wait_until
from tests_e2e.faults.system import PNG


def product(system, category: int, sku: str, images: int) -> int:
    """A product with `images` uploaded media; its id."""
    api = system.api()
    created = api.post(
        system.catalog_url("/api/v1/products/"),
        json={"category": category, "sku": sku, "name": sku, "price": "1.00"},
    )
    assert created.status_code == 201, created.text
    for n in range(images):
        upload = api.post(
            system.catalog_url("/api/v1/media/"),
            data={"product": created.json()["id"]},
            files={"file": (f"{sku}-{n}.png", PNG, "image/png")},
        )
        assert upload.status_code == 201, upload.text
    return created.json()["id"]


def category(system, slug: str) -> int:
    """A new category's id."""
    made = system.api().post(system.catalog_url("/api/v1/categories/"), json={"name": slug, "slug": slug})
    assert made.status_code == 201, made.text
    return made.json()["id"]


def follow(system, url: str, until: set[str], timeout: float = 120, failed: int = 0) -> dict:
    """Read a deletion until its status is one of `until` (with `failed` failed receipts); the last answer."""
    seen: dict = {}

    def settled() -> bool:
        seen.update(system.api().get(url, timeout=10).json())
        return seen["status"] in until and seen["failed"] == failed

    wait_until(settled, timeout=timeout, what=f"deletion {url} to be {until}")
    return seen


def delete(system, product_id: int) -> str:
    """DELETE a product; the deletion's URL from `Location`."""
    response = system.api().delete(system.catalog_url(f"/api/v1/products/{product_id}/"))
    assert response.status_code == 204, response.text
    return response.headers["Location"]


def test_a_product_with_two_media_goes_from_pending_to_complete_as_the_services_report(system):
    told = system.api().post(
        f"http://127.0.0.1:{system.ports['notifications']}/api/v1/webhooks/",
        json={"url": system.receiver.url("/finished"), "event_types": ["catalog.deletion.completed.v1"]},
    )
    assert told.status_code == 201, told.text
    shelf = category(system, "ledger-two")
    with_media, without = product(system, shelf, "LEDGER-2", 2), product(system, shelf, "LEDGER-0", 0)
    wait_until(lambda: system._indexed([with_media, without]), timeout=120, what="indexed")
    url = delete(system, with_media)
    first = system.api().get(url).json()
    assert first["status"] in ("pending", "complete") and first["events"] == 1  # it lists its media
    done = follow(system, url, {"complete"})
    assert done["services"]["media"]["statuses"] == {"done": 1}
    assert done["services"]["search"]["statuses"] == {"done": 1}
    # the fault suite's webhook and mail subscribers were told: done once both deliveries closed
    assert done["services"]["notifications"]["statuses"] == {"done": 1}
    assert all(service["last_receipt_at"] for service in done["services"].values())
    assert done["completed_at"] >= max(s["last_receipt_at"] for s in done["services"].values())
    assert not list((system.media_root / "products" / str(with_media)).glob("*"))
    # the requester is told: catalog.deletion.completed.v1, signed like every webhook
    hook = wait_until(
        lambda: system.receiver.received("/finished"), timeout=60, what="the completed webhook"
    )[0]
    finished = Webhook(told.json()["secret"]).verify(hook.body, hook.headers)
    assert finished["type"] == "catalog.deletion.completed.v1"
    assert finished["data"]["deletion_id"] == done["id"] and finished["data"]["receipts"]["media"] == {
        "done": 1
    }

    bare = follow(system, delete(system, without), {"complete"})
    assert bare["services"]["media"]["statuses"] == {"not_applicable": 1}
    assert bare["services"]["search"]["statuses"] == {"done": 1}


def test_a_category_cascade_of_500_products_is_one_deletion_complete_at_the_end(system):
    shelf = category(system, "ledger-cascade")
    api = system.api()
    for n in range(500):
        made = api.post(
            system.catalog_url("/api/v1/products/"),
            json={"category": shelf, "sku": f"CASCADE-{n}", "name": f"cascade {n}", "price": "2.00"},
        )
        assert made.status_code == 201, made.text
    response = api.delete(system.catalog_url(f"/api/v1/categories/{shelf}/"))
    assert response.status_code == 204
    done = follow(system, response.headers["Location"], {"complete"}, timeout=300)
    assert done["kind"] == "cascade" and done["events"] == 501
    assert done["services"]["media"]["statuses"] == {"not_applicable": 500}
    assert done["services"]["notifications"]["expected"] == 501
    assert done["settled"] == done["expected_total"] == 500 + 500 + 501
    events = api.get(f"{response.headers['Location']}events/?page_size=500").json()
    assert events["count"] == 501


def redrive(system, service: str) -> str:
    """`manage.py deadletters redrive` of one service, as an operator runs it."""
    done = subprocess.run(
        [sys.executable, "manage.py", "deadletters", "redrive", "--all"],
        cwd=REPO_DIR / "services" / service,
        env={**system.process_env(service)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_dead_lettered_event_fails_the_deletion_and_a_redrive_completes_it(system):
    shelf = category(system, "ledger-poison")
    product_id = product(system, shelf, "LEDGER-POISON", 1)
    (stored,) = (system.media_root / "products" / str(product_id)).glob("*")
    stored.unlink()
    (stored / "in-the-way").mkdir(parents=True)  # a directory where the file was: deleting it fails
    url = delete(system, product_id)
    failed = follow(system, url, {"failed"}, failed=1)  # its product.deleted, which lists the file
    reasons = {event["reason"] for event in failed["failed_events"]}
    assert failed["services"]["media"]["statuses"] == {"failed": 1}, failed
    assert all(
        "gave up after 2 attempts" in reason and "Directory not empty" in reason for reason in reasons
    ), reasons
    shutil.rmtree(stored)  # the operator fixes the cause
    assert "1" in redrive(system, "media")
    done = follow(system, url, {"complete"})
    assert done["failed"] == 0 and done["failed_events"] == []
    assert done["services"]["media"]["statuses"] == {"done": 1}


def test_receipts_survive_a_broker_cut_of_20_seconds_and_none_is_counted_twice(system):
    shelf = category(system, "ledger-cut")
    api = system.api()
    ids = []
    for n in range(400):
        made = api.post(
            system.catalog_url("/api/v1/products/"),
            json={"category": shelf, "sku": f"LEDGER-CUT-{n}", "name": f"cut {n}", "price": "3.00"},
        )
        assert made.status_code == 201, made.text
        ids.append(made.json()["id"])
    wait_until(lambda: system._indexed(ids), timeout=180, what="indexed")
    bulk = api.post(system.catalog_url("/api/v1/products/bulk-delete/"), json={"ids": ids})
    assert bulk.status_code == 200, bulk.text
    url = bulk.json()["deletion_url"]
    wait_until(lambda: api.get(url).json()["settled"] > 0, timeout=60, what="first receipts")
    system.proxy.cut()  # while the other receipts are being published (webhooks and mails take a while)
    try:
        during = api.get(url).json()
        time.sleep(20)
    finally:
        system.proxy.restore()
    assert during["status"] == "pending" and during["settled"] < during["expected_total"], during
    done = follow(system, url, {"complete"}, timeout=300)
    assert done["settled"] == done["expected_total"] == 400 * 3
    rows = system.sql(
        "catalog", "SELECT count(*) FROM ledger_receipt WHERE deletion_id = %s", bulk.json()["deletion_id"]
    )
    assert rows[0][0] == done["expected_total"]
