"""OpenTelemetry spans, only when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise nothing at all.

Without the variable no OpenTelemetry module is imported, no SDK is set up and `span()` only
hands the incoming traceparent on. With it, the first span of a process sets the SDK up (so a
forked Celery child sets up its own): a `TracerProvider` whose resource says `service.name`
`<service>-<role>` (catalog-api, catalog-relay, media-worker, …), an OTLP/HTTP exporter behind a
batch processor, both configured by the standard OTEL_* variables. The spans are made by hand at
the few places a delete passes (ripple_runtime.tracing.hooks): the relay's and the consumer's
fast paths are not what the generic instrumentations see.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ripple_runtime.tracing import context

TRACER_NAME = "ripple"
# Read once: the environment of a process does not change under it, and this is asked per event.
EXPORTING = bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"))
_provider: Any = None
_tracer: Any = None
_provider_pid: int | None = None


def enabled() -> bool:
    """Whether this process exports spans: an OTLP endpoint is configured, or a test set an exporter up."""
    return EXPORTING or _tracer is not None


def service_name(service: str | None = None, role: str | None = None) -> str:
    """`<service>-<role>`: the OpenTelemetry service.name of this process."""
    if service is None:
        from django.conf import settings

        service = getattr(settings, "RIPPLE_SERVICE", "ripple")
    role = context.process_role() if role is None else role
    return f"{service}-{role}" if role else service


def setup(exporter: Any = None, *, service: str | None = None, role: str | None = None) -> Any:
    """Set the SDK up for this process and return its TracerProvider.

    Without `exporter`, spans go to the OTLP/HTTP endpoint of the OTEL_* variables through a batch
    processor; a test passes an exporter (the SDK's InMemorySpanExporter) to get every span at once.
    """
    global _provider, _tracer, _provider_pid
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service_name(service, role)}))
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    _provider, _tracer, _provider_pid = provider, provider.get_tracer(TRACER_NAME), os.getpid()
    return provider


def reset() -> None:
    """Forget the SDK set up by `setup()` (tests), flushing what it holds."""
    global _provider, _tracer, _provider_pid
    if _provider is not None:
        _provider.shutdown()
    _provider = _tracer = _provider_pid = None


def tracer() -> Any:
    """The tracer of this process, set up on first use (and again in a forked child)."""
    if _tracer is None or (_provider_pid != os.getpid() and EXPORTING):
        setup()
    return _tracer


def span_kind(name: str) -> Any:
    """The SpanKind called `name` (server, client, producer, consumer, internal)."""
    from opentelemetry.trace import SpanKind

    return SpanKind[name.upper()]


def parent_context(traceparent: str | None) -> Any:
    """The OpenTelemetry context whose remote parent is this traceparent (None: a new trace)."""
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    if not traceparent:
        return None
    return TraceContextTextMapPropagator().extract({"traceparent": traceparent})


def _link(traceparent: str) -> Any:
    """A link to the span a traceparent names."""
    from opentelemetry import trace

    parent = trace.get_current_span(parent_context(traceparent)).get_span_context()
    return trace.Link(parent)


@contextlib.contextmanager
def span(
    name: str,
    traceparent: str | None,
    kind: str = "internal",
    attributes: Mapping[str, Any] | None = None,
    links: Sequence[str] = (),
) -> Iterator[str | None]:
    """A span named `name`, child of `traceparent`; yields the traceparent to hand on from inside it.

    Disabled, this is nothing but `yield traceparent`.
    """
    if not enabled():
        yield traceparent
        return
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    with tracer().start_as_current_span(
        name,
        context=parent_context(traceparent),
        kind=span_kind(kind),
        attributes=dict(attributes or {}),
        links=[_link(other) for other in links if other != traceparent],
    ):
        carrier: dict[str, str] = {}
        TraceContextTextMapPropagator().inject(carrier)
        yield carrier.get("traceparent", traceparent)


def rename_current(name: str) -> None:
    """Give the current span a better name once it is known (a request's route, after routing)."""
    if enabled():
        from opentelemetry import trace

        trace.get_current_span().update_name(name)
