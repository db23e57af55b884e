"""The periodic audit, off by default: every AUDIT_EVERY_SECONDS the worker sends `<service>.audit`.

`install(app)` registers the task (it runs `manage.py audit --fix` in the pool, where Django is
set up, and shows in Flower like any other task) and adds the timer step that sends it
(ripple_runtime.periodic). With AUDIT_EVERY_SECONDS=0 (the default) the step sends nothing. On
PostgreSQL the task takes an advisory lock first, so two workers' timers never audit one service
at once.
"""

from __future__ import annotations

import logging
import zlib

from celery import Celery
from django.conf import settings

from ripple_runtime import periodic

log = logging.getLogger(__name__)


def task_name(service: str) -> str:
    """The audit task of a service, e.g. `media.audit` (routed to its task queue with `media.*`)."""
    return f"{service}.audit"


def run_audit() -> bool:
    """Run `manage.py audit --fix` unless another audit of this service holds the lock; did it run?"""
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        call_command("audit", "--fix")
        return True
    lock = zlib.crc32(task_name(settings.RIPPLE_SERVICE).encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock])
        if not cursor.fetchone()[0]:
            log.info("an audit of %s is running elsewhere; skipping this round", settings.RIPPLE_SERVICE)
            return False
        try:
            call_command("audit", "--fix")
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [lock])
    return True


def install(app: Celery) -> None:
    """Register the app's service's audit task and the timer step that sends it."""
    app.task(name=task_name(app.main), ignore_result=True)(run_audit)
    app.steps["worker"].add(
        periodic.task_step("AuditSchedule", task_name(app.main), lambda: settings.AUDIT["EVERY_SECONDS"])
    )
