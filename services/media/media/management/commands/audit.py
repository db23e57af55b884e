"""`manage.py audit [--fix] [--json]`: stored files no live product media references."""

from media.audit import audit_files
from ripple_runtime.audit.command import AuditCommand


class Command(AuditCommand):
    """Find (and with --fix remove) files under MEDIA_ROOT/products/ that the catalog no longer lists."""

    help = (
        "Compare the files under MEDIA_ROOT/products/ with the catalog's live media keys; report "
        "orphans, and with --fix delete them and send `repaired` receipts under one audit id."
    )
    unit = "files"

    def audit(self, run, listing, report) -> str:
        """The media audit (media.audit)."""
        return audit_files(run, listing, report)
