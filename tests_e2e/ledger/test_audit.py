"""The audit end to end: products deleted with raw SQL behind the catalog's back, found and repaired.

Every real process runs (a WholeSystem of this module's own). The audits of media and search
read the real catalog's audit API, report exactly what the raw delete left behind, remove it
with `--fix` while a product is created and deleted behind the catalog's back during the run
(which that run must leave alone), and their `repaired` receipts reach the ledger as deletions
of kind `audit`. The next runs remove what the first one had to leave, and then find nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ripple_testing.entrypoints import REPO_DIR
from ripple_testing.processes import wait_until
from tests_e2e.faults.databases import in_list
from tests_e2e.faults.system import PNG, WholeSystem


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    """Every process of Ripple on fresh databases and a fresh vhost; the audits read its catalog."""
    whole = WholeSystem(tmp_path_factory.mktemp("audit"), extra_env={"AUDIT_GRACE_SECONDS": "0"})
    whole.extra_env["CATALOG_API_URL"] = f"http://127.0.0.1:{whole.ports['catalog']}"
    whole.extra_env["CATALOG_API_TOKEN"] = whole.token
    # A loaded CI machine may take more than the default 10 s to serve a page to a slowed-down audit.
    whole.extra_env["CATALOG_API_TIMEOUT"] = "60"
    with whole:
        yield whole


def delete_behind_the_catalogs_back(system, ids: list[int]) -> None:
    """Delete products and their media rows with raw SQL: no signal, no event, no ledger entry."""
    system.sql("catalog", f"DELETE FROM catalog_productmedia WHERE product_id IN {in_list(ids)} RETURNING id")
    system.sql("catalog", f"DELETE FROM catalog_product WHERE id IN {in_list(ids)} RETURNING id")


def audit_command(*args: str) -> list[str]:
    """The command line of `manage.py audit --json` (run in a service's folder)."""
    return [sys.executable, "manage.py", "audit", "--json", *args]


def audit(system, service: str, *args: str) -> tuple[list[dict], dict]:
    """Run a service's audit to its end: its findings and its summary."""
    done = subprocess.run(
        audit_command(*args),
        cwd=REPO_DIR / "services" / service,
        env=system.process_env(service),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return parse(done.stdout)


def parse(output: str) -> tuple[list[dict], dict]:
    """Findings and summary of `audit --json`'s lines."""
    lines = [json.loads(line) for line in output.splitlines()]
    return [line for line in lines if "finding" in line], lines[-1]["summary"]


def items(findings: list[dict]) -> set[str]:
    """The items of the findings."""
    return {finding["item"] for finding in findings}


def files_of(system, ids: list[int]) -> list[str]:
    """The storage keys on disk under these products' folders."""
    root = system.media_root
    return sorted(str(p.relative_to(root)) for pid in ids for p in (root / "products" / str(pid)).glob("*"))


def documents_of(system, ids: list[int]) -> list[int]:
    """The product ids of these products' search documents."""
    rows = system.sql("search", f"SELECT product_id FROM search_document WHERE product_id IN {in_list(ids)}")
    return sorted(row[0] for row in rows)


def audit_requests(system) -> dict[str, int]:
    """How many pages of each audit listing the catalog has served (gunicorn's access log)."""
    log = system.processes["catalog-api"].log()
    return {resource: log.count(f"GET /api/v1/audit/{resource}/") for resource in ("media", "products")}


def make_and_unmake_a_product(system) -> int:
    """A product with an image, indexed, then deleted with raw SQL: an orphan younger than a running audit."""
    api = system.api()
    category = api.get(system.catalog_url("/api/v1/categories/")).json()["results"][0]["id"]
    made = api.post(
        system.catalog_url("/api/v1/products/"),
        json={"category": category, "sku": "AUDIT-LATE", "name": "Late", "price": "1.00"},
    )
    assert made.status_code == 201, made.text
    pid = made.json()["id"]
    upload = api.post(
        system.catalog_url("/api/v1/media/"),
        data={"product": pid},
        files={"file": ("late.png", PNG, "image/png")},
    )
    assert upload.status_code == 201, upload.text
    wait_until(lambda: documents_of(system, [pid]) == [pid], timeout=60, what="the late product indexed")
    delete_behind_the_catalogs_back(system, [pid])
    return pid


def test_audits_find_exactly_what_a_raw_delete_left_repair_it_and_report_it_to_the_ledger(system):
    ids = system.seed("AUDIT", 6)
    gone, kept = ids[:3], ids[3:]
    gone_files = files_of(system, gone)
    delete_behind_the_catalogs_back(system, gone)

    media_findings, media_summary = audit(system, "media")
    search_findings, search_summary = audit(system, "search")
    assert items(media_findings) == {f"file {key}" for key in gone_files}
    assert items(search_findings) == {f"document product:{pid}" for pid in gone}
    assert (media_summary["orphans"], search_summary["orphans"], search_summary["behind"]) == (3, 3, 0)
    assert files_of(system, gone) == gone_files and documents_of(system, gone) == gone  # reported only

    # --fix, slowed down (a page per row, a pause between pages) so a product comes and goes meanwhile
    before = audit_requests(system)
    running = {
        service: subprocess.Popen(
            audit_command("--fix", "--page-size", "1", "--pause", "2"),
            cwd=REPO_DIR / "services" / service,
            env=system.process_env(service),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for service in ("media", "search")
    }
    wait_until(
        lambda: all(count > before[resource] for resource, count in audit_requests(system).items()),
        timeout=60,
        what="both audits under way",
    )
    late = make_and_unmake_a_product(system)
    assert all(process.poll() is None for process in running.values()), "the audits ended too soon"
    outputs = {service: process.communicate(timeout=300) for service, process in running.items()}
    assert all(process.returncode == 0 for process in running.values()), outputs
    (media_fixed, media_run), (search_fixed, search_run) = (parse(outputs[s][0]) for s in ("media", "search"))

    assert {(f["item"], f["outcome"]) for f in media_fixed} == {
        (f"file {key}", "removed") for key in gone_files
    }
    assert {(f["item"], f["outcome"]) for f in search_fixed} == {
        (f"document product:{p}", "removed") for p in gone
    }
    assert files_of(system, gone) == [] and documents_of(system, gone) == []
    assert len(files_of(system, kept)) == 3 and documents_of(system, kept) == kept
    late_file = files_of(system, [late])
    assert len(late_file) == 1 and documents_of(system, [late]) == [late]  # younger than the run: left alone

    # the ledger: one deletion of kind `audit` per run, complete, a repaired receipt per item
    for service, run, count in (("media", media_run, 3), ("search", search_run, 3)):
        url = system.catalog_url(f"/api/v1/deletions/{run['audit_id']}/")
        wait_until(
            lambda url=url: system.api().get(url).status_code == 200, timeout=60, what=f"{service} audit"
        )
        wait_until(
            lambda url=url, count=count: system.api().get(url).json()["settled"] == count,
            timeout=60,
            what=f"{service}'s receipts in the ledger",
        )
        deletion = system.api().get(url).json()
        assert (deletion["kind"], deletion["status"]) == ("audit", "complete")
        assert deletion["services"][service]["statuses"] == {"repaired": count}
    listed = system.api().get(system.catalog_url("/api/v1/deletions/?kind=audit")).json()["results"]
    assert {d["id"] for d in listed} == {media_run["audit_id"], search_run["audit_id"]}

    # the next runs: what the last one had to leave is older than them now; then nothing is left
    media_next, _ = audit(system, "media", "--fix")
    search_next, _ = audit(system, "search", "--fix")
    assert items(media_next) == {f"file {late_file[0]}"} and items(search_next) == {
        f"document product:{late}"
    }
    for service in ("media", "search"):
        findings, summary = audit(system, service)
        assert findings == [] and summary["orphans"] == 0
