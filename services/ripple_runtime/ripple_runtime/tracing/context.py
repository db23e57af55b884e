"""The ids of the work a process has in hand: correlation id, event id, task id and trace id.

They live in one contextvar (a thread or a task sees its own), set by whatever starts a piece of
work (ripple_runtime.tracing.hooks) and read by the log filter (ripple_runtime.tracing.logs).
The W3C `traceparent` helpers are here too: a trace id is the traceparent's second field.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
import secrets
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

FIELDS = ("correlation_id", "event_id", "task_id", "trace_id")
TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_INVALID_TRACE_ID = "0" * 32

_NONE: Mapping[str, str] = MappingProxyType({})
_ids: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar("ripple_ids", default=_NONE)


def current() -> Mapping[str, str]:
    """The ids bound now (only those that are set)."""
    return _ids.get()


def bind(**ids: str | None) -> contextvars.Token:
    """Add ids to the current ones (None leaves one as it is); give the token to `unbind`."""
    given = {name: value for name, value in ids.items() if value}
    return _ids.set({**_ids.get(), **given})


def unbind(token: contextvars.Token) -> None:
    """Restore the ids as they were before the `bind` that returned this token."""
    _ids.reset(token)


@contextlib.contextmanager
def bound(**ids: str | None) -> Iterator[None]:
    """These ids, added to the current ones, for the duration of the block."""
    token = bind(**ids)
    try:
        yield
    finally:
        unbind(token)


def process_role() -> str:
    """The role of this process (api, relay, worker, …): RIPPLE_PROCESS_ROLE, as ripple.sh sets it."""
    return os.environ.get("RIPPLE_PROCESS_ROLE", "")


def valid_traceparent(value: Any) -> str | None:
    """The value if it is a well-formed W3C traceparent with a valid trace id, else None."""
    if not isinstance(value, str):
        return None
    match = TRACEPARENT.match(value)
    if match is None or match.group(1) == _INVALID_TRACE_ID or match.group(2) == "0" * 16:
        return None
    return value


def trace_id_of(traceparent: str | None) -> str | None:
    """The trace id (32 hex digits) of a traceparent, or None."""
    match = TRACEPARENT.match(traceparent or "")
    return match.group(1) if match else None


def new_traceparent() -> str:
    """A traceparent that starts a new, sampled trace (version 00, random trace and parent ids)."""
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def event_ids(event: Any) -> dict[str, str | None]:
    """The ids of one event (a CloudEvent or its raw dict): event id, correlation id, trace id."""
    if isinstance(event, Mapping):
        event_id, correlation = event.get("id"), event.get("correlationid")
        traceparent = event.get("traceparent")
    else:
        event_id, correlation = event.id, event.correlationid
        traceparent = event.traceparent
    return {
        "event_id": str(event_id) if event_id else None,
        "correlation_id": correlation if isinstance(correlation, str) else None,
        "trace_id": trace_id_of(traceparent if isinstance(traceparent, str) else None),
    }


def batch_ids(events: Iterable[Any]) -> dict[str, str | None]:
    """The ids a batch of events shares: each id all of them carry alike, else none (not a wrong one)."""
    shared: dict[str, str | None] | None = None
    for event in events:
        ids = event_ids(event)
        shared = ids if shared is None else {k: v if ids[k] == v else None for k, v in shared.items()}
    return shared or {}


def traceparent_of(event: Any) -> str | None:
    """The well-formed traceparent an event (a CloudEvent or its raw dict) carries, or None."""
    value = event.get("traceparent") if isinstance(event, Mapping) else getattr(event, "traceparent", None)
    return valid_traceparent(value)
