"""The ids of the work a process has in hand: correlation id, event id, task id and trace id.

They live in one contextvar (a thread or a task sees its own), set by whatever starts a piece of
work (ripple_runtime.tracing.hooks) and read by the log filter (ripple_runtime.tracing.logs).
The W3C `traceparent` helpers are here too: a trace id is the traceparent's second field.
"""

from __future__ import annotations

import contextvars
import os
import re
import secrets
from collections.abc import Mapping, Sequence
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
    return bind_all(ids)


def bind_all(ids: Mapping[str, str | None]) -> contextvars.Token:
    """`bind` of a mapping of ids."""
    merged = dict(_ids.get())
    for name, value in ids.items():
        if value:
            merged[name] = value
    return _ids.set(merged)


def unbind(token: contextvars.Token) -> None:
    """Restore the ids as they were before the `bind` that returned this token."""
    _ids.reset(token)


class Bound:
    """A `with` block under some ids (a class, not a generator: it runs for every event message)."""

    __slots__ = ("ids", "token")

    def __init__(self, ids: Mapping[str, str | None]):
        """The ids to add to the current ones on entering."""
        self.ids = ids
        self.token: contextvars.Token | None = None

    def __enter__(self) -> None:
        """Bind the ids."""
        self.token = bind_all(self.ids)

    def __exit__(self, *exc_info: object) -> None:
        """Restore the ids as they were."""
        unbind(self.token)


def bound(**ids: str | None) -> Bound:
    """These ids, added to the current ones, for the duration of the `with` block."""
    return Bound(ids)


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


def attribute(event: Any, name: str) -> Any:
    """An attribute of an event, a CloudEvent or its raw dict (None if it has none)."""
    return (
        event.get(name) if type(event) is dict or isinstance(event, Mapping) else getattr(event, name, None)
    )


def plausible_traceparent(value: Any) -> str | None:
    """The value if it has a traceparent's shape (`vv-<32>-<16>-ff`): the cheap check of the log ids.

    What only names a trace in log lines needs no more; what parents a span goes through
    OpenTelemetry's own parser, and an event's schema checks the full pattern.
    """
    if type(value) is str and len(value) == 55 and value[2] == "-" and value[35] == "-" and value[52] == "-":
        return value
    return None


def event_ids(event: Any) -> dict[str, str | None]:
    """The ids of one event (a CloudEvent or its raw dict), and its traceparent if well-formed.

    Keys: event_id, correlation_id, trace_id and traceparent (bound too: the next hop's parent).
    """
    if type(event) is dict:
        event_id, correlation, traceparent = (
            event.get("id"),
            event.get("correlationid"),
            event.get("traceparent"),
        )
    else:
        event_id, correlation = attribute(event, "id"), attribute(event, "correlationid")
        traceparent = attribute(event, "traceparent")
    traceparent = plausible_traceparent(traceparent)
    return {
        "event_id": str(event_id) if event_id else None,
        "correlation_id": correlation if type(correlation) is str else None,
        "trace_id": traceparent[3:35] if traceparent else None,
        "traceparent": traceparent,
    }


def _one_trace(first: Any, traceparents: set[Any]) -> str | None:
    """`first` if every one of these traceparents is well-formed and of its trace, else None."""
    first = plausible_traceparent(first)
    if first is None:
        return None
    trace = first[3:35]
    for traceparent in traceparents:
        checked = plausible_traceparent(traceparent)
        if checked is None or checked[3:35] != trace:
            return None
    return first


def batch_ids(events: Sequence[Any]) -> dict[str, str | None]:
    """The ids a batch of events shares: each id all of them carry alike, else none (not a wrong one).

    Compared as the events carry them, so a batch of one request's events costs a set per field.
    Events of one trace from different spans (receipts of one delete from three services) share
    the trace: the first one's traceparent is the batch's.
    """
    if len(events) == 1:
        return event_ids(events[0])
    correlations = {attribute(event, "correlationid") for event in events}
    traceparents = {attribute(event, "traceparent") for event in events}
    correlation = correlations.pop() if len(correlations) == 1 else None
    if len(traceparents) == 1:
        traceparent = plausible_traceparent(traceparents.pop())
    else:
        traceparent = _one_trace(attribute(events[0], "traceparent"), traceparents)
    return {
        "event_id": None,
        "correlation_id": correlation if isinstance(correlation, str) else None,
        "trace_id": traceparent[3:35] if traceparent else None,
        "traceparent": traceparent,
    }
