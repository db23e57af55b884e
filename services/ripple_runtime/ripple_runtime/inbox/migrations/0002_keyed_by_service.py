"""Key the inbox by (service, event id), so services sharing one database keep their own inboxes.

The table keeps its name; its rows so far are this database's service's (settings.RIPPLE_SERVICE).
The primary key changes from the event id to a surrogate id, which no ALTER can do portably, so
the table is rebuilt: rows are copied aside, the new table is created as Django defines it, and
the rows come back stamped with the service.
"""

from django.conf import settings
from django.db import migrations, models

TABLE = "ripple_inbox_processedevent"
COPY = "ripple_inbox_processedevent_copy"


def rebuild(apps, schema_editor):
    """Copy the rows aside, recreate the table in its new shape, copy them back with the service."""
    service = getattr(settings, "RIPPLE_SERVICE", "")
    if not service:
        raise RuntimeError("settings.RIPPLE_SERVICE must name the service whose inbox this is")
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"CREATE TEMPORARY TABLE {quote(COPY)} AS SELECT event_id, event_type, processed_at FROM {quote(TABLE)}"
    )
    schema_editor.execute(f"DROP TABLE {quote(TABLE)}")
    schema_editor.create_model(apps.get_model("ripple_inbox", "ProcessedEvent"))
    schema_editor.execute(
        f"INSERT INTO {quote(TABLE)} (service, event_id, event_type, processed_at) "
        f"SELECT %s, event_id, event_type, processed_at FROM {quote(COPY)}",
        [service],
    )
    schema_editor.execute(f"DROP TABLE {quote(COPY)}")


class Migration(migrations.Migration):
    dependencies = [("ripple_inbox", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name="processedevent", name="event_id", field=models.UUIDField()),
                migrations.AddField(
                    model_name="processedevent",
                    name="id",
                    field=models.BigAutoField(primary_key=True, serialize=False),
                    preserve_default=False,
                ),
                migrations.AddField(
                    model_name="processedevent",
                    name="service",
                    field=models.CharField(max_length=50),
                    preserve_default=False,
                ),
                migrations.AddConstraint(
                    model_name="processedevent",
                    constraint=models.UniqueConstraint(
                        fields=("service", "event_id"), name="ripple_inbox_service_event_uniq"
                    ),
                ),
            ]
        ),
        migrations.RunPython(rebuild),
    ]
