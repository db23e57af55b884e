"""The `migrate` role in one Python process: migrations, accounts, then static files.

The accounts: the admin user and token (RIPPLE_ADMIN_*), and in the catalog the read-only
account of CATALOG_API_TOKEN (`ensure_reader`).

`ripple.sh SERVICE migrate` runs it in the service's folder (compose, k8s and `make dev` alike):
one Django start-up instead of a `manage.py` process per step (and per "does this command exist?").
"""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import django
from django.core.management import call_command, get_commands
from django.db import connection

# After the migrations, the steps a service has (not every service has an admin or static files).
STEPS = (
    ("ensure_admin", {}),
    ("ensure_reader", {}),
    ("collectstatic", {"interactive": False, "verbosity": 0}),
)
# The PostgreSQL advisory lock every migrate role takes ("RIPL"): services may share one database.
MIGRATE_LOCK = 0x5249504C


@contextmanager
def one_migration_at_a_time() -> Iterator[None]:
    """Hold the database's migrate lock: several services sharing a database migrate in turn.

    PostgreSQL: a session advisory lock on the connection migrate uses. SQLite: an exclusive
    lock on a file beside the database. Without it, parallel migrate roles of services on one
    database race to create the same tables (auth, admin, content types) and the admin user.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATE_LOCK])
    elif connection.vendor == "sqlite" and os.path.isabs(str(connection.settings_dict["NAME"])):
        with open(f"{connection.settings_dict['NAME']}.migrate-lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield
    else:
        yield


def main(service: str) -> int:
    """Set Django up for `service` and run its steps in order; any failure is the process's failure."""
    sys.path.insert(0, os.getcwd())  # the service's folder, as manage.py has it
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"{service}_site.settings")
    django.setup()
    available = get_commands()
    with one_migration_at_a_time():
        call_command("migrate", interactive=False)
        for name, options in STEPS:
            if name in available:
                call_command(name, **options)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
