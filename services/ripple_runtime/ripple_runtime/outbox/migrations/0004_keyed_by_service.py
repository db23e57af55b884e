"""Key outbox rows and relay heartbeats by service, so services sharing one database relay their own.

Until now only the catalog had an outbox, so the rows and heartbeats already there are its own.
"""

from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    dependencies = [("outbox", "0003_claims")]

    operations = [
        migrations.AddField(
            model_name="outboxevent",
            name="service",
            field=models.CharField(
                default="catalog", help_text="The service whose relay publishes it.", max_length=50
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="relayheartbeat",
            name="service",
            field=models.CharField(blank=True, default="catalog", max_length=50),
            preserve_default=False,
        ),
        migrations.RemoveIndex(model_name="outboxevent", name="outbox_pending_idx"),
        migrations.AddIndex(
            model_name="outboxevent",
            index=models.Index(
                condition=Q(published_at__isnull=True),
                fields=["service", "id"],
                name="outbox_service_pending_idx",
            ),
        ),
    ]
