"""On PostgreSQL, NOTIFY the relay when a transaction that inserted outbox rows commits."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION ripple_outbox_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('ripple_outbox', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER outbox_outboxevent_notify
    AFTER INSERT ON outbox_outboxevent
    FOR EACH STATEMENT EXECUTE FUNCTION ripple_outbox_notify();
"""
DROP = """
DROP TRIGGER IF EXISTS outbox_outboxevent_notify ON outbox_outboxevent;
DROP FUNCTION IF EXISTS ripple_outbox_notify();
"""


def run_on_postgresql(sql):
    """Build a migration step that runs `sql` only on PostgreSQL (SQLite relays poll instead)."""

    def step(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return step


class Migration(migrations.Migration):
    dependencies = [("outbox", "0001_initial")]

    operations = [migrations.RunPython(run_on_postgresql(CREATE), run_on_postgresql(DROP))]
