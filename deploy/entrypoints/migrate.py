"""The `migrate` role in one Python process: migrations, then the admin user and token, then static files.

`ripple.sh SERVICE migrate` runs it in the service's folder (compose, k8s and `make dev` alike):
one Django start-up instead of a `manage.py` process per step (and per "does this command exist?").
"""

from __future__ import annotations

import os
import sys

import django
from django.core.management import call_command, get_commands

# After the migrations, the steps a service has (not every service has an admin or static files).
STEPS = (("ensure_admin", {}), ("collectstatic", {"interactive": False, "verbosity": 0}))


def main(service: str) -> int:
    """Set Django up for `service` and run its steps in order; any failure is the process's failure."""
    sys.path.insert(0, os.getcwd())  # the service's folder, as manage.py has it
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"{service}_site.settings")
    django.setup()
    call_command("migrate", interactive=False)
    available = get_commands()
    for name, options in STEPS:
        if name in available:
            call_command(name, **options)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
