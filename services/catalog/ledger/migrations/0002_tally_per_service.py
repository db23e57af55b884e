"""Each deletion keeps its per-service tally of receipts, so reading it counts nothing.

The tally of deletions already held is counted once here from their receipts; the index that
served that count gives way to a small one over the failed receipts.
"""

from datetime import UTC

from django.db import migrations, models
from django.db.models import Count, Max


def count_held_receipts(apps, schema_editor):
    """Fill the tally of every deletion from its receipt rows (one grouped query)."""
    Deletion = apps.get_model("ledger", "Deletion")
    Receipt = apps.get_model("ledger", "Receipt")
    tallies: dict = {}
    rows = (
        Receipt.objects.values("deletion_id", "service", "status")
        .annotate(count=Count("id"), last=Max("handled_at"))
        .order_by()
    )
    for row in rows.iterator():
        entry = tallies.setdefault(row["deletion_id"], {}).setdefault(
            row["service"], {"statuses": {}, "last_receipt_at": None}
        )
        entry["statuses"][row["status"]] = row["count"]
        stamp = row["last"].astimezone(UTC).isoformat(timespec="microseconds")
        if entry["last_receipt_at"] is None or entry["last_receipt_at"] < stamp:
            entry["last_receipt_at"] = stamp
    for deletion_id, tally in tallies.items():
        Deletion.objects.filter(pk=deletion_id).update(tally=tally)


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="deletion",
            name="tally",
            field=models.JSONField(
                default=dict,
                help_text="Per service: its receipts by status and its last receipt's time (kept with the counters).",
            ),
        ),
        migrations.RunPython(count_held_receipts, migrations.RunPython.noop),
        migrations.RemoveIndex(
            model_name="receipt",
            name="ledger_receipt_counts_idx",
        ),
        migrations.AddIndex(
            model_name="receipt",
            index=models.Index(
                condition=models.Q(("status", "failed")),
                fields=["deletion", "id"],
                name="ledger_receipt_failed_idx",
            ),
        ),
    ]
