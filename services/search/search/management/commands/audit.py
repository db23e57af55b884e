"""`manage.py audit [--fix] [--json]`: documents of deleted products, and documents behind the catalog."""

from ripple_runtime.audit.command import AuditCommand
from search.audit import audit_index


class Command(AuditCommand):
    """Find (and with --fix remove or refresh) documents the catalog contradicts."""

    help = (
        "Compare the index with the catalog's live products; report documents of products that no "
        "longer exist and documents older than the catalog's version. With --fix, remove the first "
        "(with a tombstone) and refresh the second, and send `repaired` receipts under one audit id."
    )
    unit = "documents"

    def audit(self, run, listing, report) -> str:
        """The search audit (search.audit)."""
        return audit_index(run, listing, report)
