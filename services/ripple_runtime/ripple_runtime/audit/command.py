"""`manage.py audit [--fix] [--json]`: the command both auditing services share; each adds its checks.

A service's `management/commands/audit.py` subclasses `AuditCommand` and implements `audit()`,
which streams what it holds against the catalog's audit API and reports each finding. Text
output is one line per finding and a summary line; `--json` prints the same as JSON Lines (one
object per finding, then one `{"summary": …}`), so nothing is held in memory to print at the end.
On a terminal a progress bar (tqdm) runs on stderr.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from ripple_runtime.audit.catalog_listing import PAGE_SIZE, AuditListing
from ripple_runtime.audit.run import AuditRun
from ripple_runtime.catalog_api import CatalogUnreadable


class Report:
    """Where findings and the summary go, and the progress bar."""

    def __init__(self, stdout, as_json: bool, unit: str):
        """Write to `stdout`; a progress bar on stderr only when stderr is a terminal."""
        self.stdout, self.as_json = stdout, as_json
        self.progress = tqdm(unit=f" {unit}", file=sys.stderr, disable=not sys.stderr.isatty(), leave=False)

    def checked(self, count: int = 1) -> None:
        """Advance the progress bar."""
        self.progress.update(count)

    def finding(self, kind: str, item: str, outcome: str, **details: Any) -> None:
        """One finding: what kind, which item, and what became of it (`found`, `removed`, …)."""
        if self.as_json:
            self.stdout.write(json.dumps({"finding": kind, "item": item, "outcome": outcome, **details}))
        else:
            extra = "".join(f" {key}={value}" for key, value in details.items())
            self.stdout.write(f"{kind}: {item}{extra} ({outcome})")

    def summary(self, run: AuditRun, seconds: float, line: str) -> None:
        """The last line: the run's id, counts and duration."""
        self.progress.close()
        if self.as_json:
            self.stdout.write(
                json.dumps(
                    {
                        "summary": {
                            "service": run.service,
                            "audit_id": str(run.id),
                            "started_at": run.started_at.isoformat(),
                            "cutoff": run.cutoff.isoformat(),
                            "fix": run.fix,
                            "seconds": round(seconds, 3),
                            **run.counts,
                        }
                    }
                )
            )
        else:
            self.stdout.write(f"audit {run.service} {run.id}: {line} in {seconds:.1f} s")


class AuditCommand(BaseCommand):
    """Compare what this service holds with what the catalog lists; `--fix` removes what is orphaned."""

    unit = "items"

    def add_arguments(self, parser):
        """--fix, --json, the catalog's address, and how to page through it."""
        parser.add_argument("--fix", action="store_true", help="remove (or refresh) what the audit finds")
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="JSON Lines: each finding, then a summary"
        )
        parser.add_argument("--catalog-url", default=settings.CATALOG_API_URL)
        parser.add_argument("--page-size", type=int, default=PAGE_SIZE, help="rows per catalog page")
        parser.add_argument("--pause", type=float, default=0.0, help="seconds to wait between pages")

    def handle(
        self, *args, fix: bool, as_json: bool, catalog_url: str, page_size: int, pause: float, **options
    ):
        """Run the audit and print its findings and a summary; exit non-zero if the catalog is unreadable."""
        if not 1 <= page_size <= PAGE_SIZE:
            raise CommandError(f"--page-size must be from 1 to {PAGE_SIZE}")
        run = AuditRun.from_settings(fix)
        listing = AuditListing(
            catalog_url,
            token=settings.CATALOG_API_TOKEN,
            timeout=settings.CATALOG_API_TIMEOUT,
            page_size=page_size,
            pause=pause,
        )
        report = Report(self.stdout, as_json, self.unit)
        began = time.monotonic()
        try:
            line = self.audit(run, listing, report)
        except CatalogUnreadable as exc:
            report.progress.close()
            raise CommandError(f"audit {run.service} stopped: {exc} ({dict(run.counts)})") from exc
        report.summary(run, time.monotonic() - began, line)

    def audit(self, run: AuditRun, listing: AuditListing, report: Report) -> str:
        """Check everything, report each finding, fix it with `run.fix`; return the summary line."""
        raise NotImplementedError
