"""Refused rows back off (`next_attempt_at`) and are parked (`parked_at`) after the last attempt.

Heartbeats say where their relay's pid means something (`pid_namespace`), so a relay on the same
machine can tell at once that a predecessor is gone (ripple_runtime.outbox.heartbeats).

The claim index leaves parked rows out, so a pile of them never slows the relay's claims, and a
second partial index finds the parked rows for /readyz, the admin and `manage.py outbox resend`.
"""

from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    dependencies = [("outbox", "0004_keyed_by_service")]

    operations = [
        migrations.AddField(
            model_name="relayheartbeat",
            name="released_at",
            field=models.DateTimeField(
                blank=True,
                null=True,
                help_text="When its claims were given back: by itself as it stopped, or by a relay finding it dead.",
            ),
        ),
        migrations.AddField(
            model_name="relayheartbeat",
            name="pid_namespace",
            field=models.CharField(
                blank=True,
                default="",
                help_text="Kernel boot and pid namespace of its pid: where that pid names this process.",
                max_length=100,
            ),
        ),
        migrations.AlterField(
            model_name="outboxevent",
            name="attempts",
            field=models.PositiveIntegerField(default=0, help_text="Publish attempts, refused ones included."),
        ),
        migrations.AlterField(
            model_name="outboxevent",
            name="last_error",
            field=models.TextField(blank=True, help_text="Why the broker last refused it."),
        ),
        migrations.AddField(
            model_name="outboxevent",
            name="next_attempt_at",
            field=models.DateTimeField(
                blank=True, null=True, help_text="Refused: not claimed again before this time (backoff)."
            ),
        ),
        migrations.AddField(
            model_name="outboxevent",
            name="parked_at",
            field=models.DateTimeField(
                blank=True,
                null=True,
                help_text="Refused OUTBOX_MAX_ATTEMPTS times: never claimed until re-sent.",
            ),
        ),
        migrations.RemoveIndex(model_name="outboxevent", name="outbox_service_pending_idx"),
        migrations.AddIndex(
            model_name="outboxevent",
            index=models.Index(
                condition=Q(published_at__isnull=True, parked_at__isnull=True),
                fields=["service", "id"],
                name="outbox_service_claimable_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="outboxevent",
            index=models.Index(
                condition=Q(parked_at__isnull=False),
                fields=["service", "parked_at"],
                name="outbox_service_parked_idx",
            ),
        ),
    ]
