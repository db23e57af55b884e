"""Log lines that say which service, process, request, event, task and trace they belong to.

`logging_config(service)` is every service's LOGGING: LOG_FORMAT=json writes one JSON object per
line (python-json-logger) with the fields below; LOG_FORMAT=text (the default) writes the plain
lines it always wrote. Either way `ContextFilter` on the handler stamps every record, Django's,
Celery's and ours alike, with the ids of ripple_runtime.tracing.context. In a Celery worker the
`setup_logging` signal makes Celery use this same configuration instead of its own handlers,
and `task_prerun` / `task_postrun` bind the task id around every task.
"""

from __future__ import annotations

import logging
import logging.config
from typing import Any

from ripple_runtime.tracing import context

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Every JSON line carries these keys (null when the line belongs to no such id).
JSON_FIELDS = ("asctime", "levelname", "name", "message", "service", "role", *context.FIELDS)
JSON_RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}
_task_tokens: dict[str, Any] = {}


class ContextFilter(logging.Filter):
    """Stamp each record with the service, the process role and the ids bound now.

    An id given to one call as `extra=` wins over the bound one (the relay names the event a
    line is about that way).
    """

    def __init__(self, service: str = "", role: str | None = None):
        """Remember what this process is; the ids are read at each record."""
        super().__init__()
        self.service = service
        self.role = context.process_role() if role is None else role

    def filter(self, record: logging.LogRecord) -> bool:
        """Add the fields; never drops a record."""
        record.service = self.service
        record.role = self.role
        ids = context.current()
        for field in context.FIELDS:
            if getattr(record, field, None) is None:
                setattr(record, field, ids.get(field))
        return True


def log_format(value: str) -> str:
    """LOG_FORMAT's value, refused with a clear error unless it is `text` or `json`."""
    from django.core.exceptions import ImproperlyConfigured

    chosen = (value or "text").strip().lower()
    if chosen not in FORMATS:
        raise ImproperlyConfigured(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {value!r}")
    return chosen


def logging_config(service: str, log_format_name: str = "text", level: str = "INFO") -> dict[str, Any]:
    """The dictConfig of a service: one handler on stderr, in the chosen format, stamping the ids."""
    if log_format(log_format_name) == "json":
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": list(JSON_FIELDS),
            "rename_fields": JSON_RENAMED,
        }
    else:
        formatter = {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"ids": {"()": ContextFilter, "service": service}},
        "formatters": {"line": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line", "filters": ["ids"]}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django": {"handlers": ["console"], "level": "INFO", "propagate": False}},
    }


def use_service_logging(**_signal_arguments: Any) -> None:
    """Celery's `setup_logging`: configure the worker with the service's LOGGING, not Celery's handlers."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


def bind_task(task_id: str | None = None, **_signal_arguments: Any) -> None:
    """Celery's `task_prerun`: every line of the task carries its id."""
    if task_id:
        _task_tokens[task_id] = context.bind(task_id=task_id)


def unbind_task(task_id: str | None = None, **_signal_arguments: Any) -> None:
    """Celery's `task_postrun`: the task's id is no longer bound."""
    token = _task_tokens.pop(task_id, None) if task_id else None
    if token is not None:
        context.unbind(token)


def connect_celery_signals() -> None:
    """Connect the handlers above (once per process; Celery's signals are global)."""
    from celery import signals

    signals.setup_logging.connect(use_service_logging, weak=False, dispatch_uid="ripple.tracing.logging")
    signals.task_prerun.connect(bind_task, weak=False, dispatch_uid="ripple.tracing.task_prerun")
    signals.task_postrun.connect(unbind_task, weak=False, dispatch_uid="ripple.tracing.task_postrun")
