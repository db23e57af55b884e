"""A real OTLP/HTTP trace receiver for the tests: what the processes export, decoded span by span.

It answers `POST /v1/traces` as an OpenTelemetry collector does (protobuf, optionally gzipped),
decodes each ExportTraceServiceRequest with opentelemetry-proto and keeps one `ReceivedSpan` per
span, with the `service.name` of the process that sent it.
"""

from __future__ import annotations

import gzip
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)


@dataclass(frozen=True)
class ReceivedSpan:
    """One exported span: who sent it, its name and kind, and its ids as hex."""

    service: str
    name: str
    kind: int
    trace_id: str
    span_id: str
    parent_span_id: str


def decoded_spans(body: bytes) -> list[ReceivedSpan]:
    """The spans of one ExportTraceServiceRequest."""
    request = ExportTraceServiceRequest.FromString(body)
    found = []
    for resource_spans in request.resource_spans:
        attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            found.extend(
                ReceivedSpan(
                    attributes.get("service.name", ""),
                    span.name,
                    span.kind,
                    span.trace_id.hex(),
                    span.span_id.hex(),
                    span.parent_span_id.hex(),
                )
                for span in scope_spans.spans
            )
    return found


class OtlpReceiver:
    """Serves OTLP/HTTP traces on a free port of 127.0.0.1 in a daemon thread."""

    def __init__(self):
        """Bind a free port; serving starts with `start()`."""
        self.spans: list[ReceivedSpan] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> OtlpReceiver:
        """Serve in a daemon thread."""
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.server.shutdown()
        self.server.server_close()

    def of_trace(self, trace_id: str) -> list[ReceivedSpan]:
        """The spans received so far of one trace."""
        with self._lock:
            return [span for span in self.spans if span.trace_id == trace_id]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        """The request handler, bound to this receiver."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            """Accept an export, keep its spans, answer an empty ExportTraceServiceResponse."""

            def do_POST(self):
                """Decode and keep the spans of one export."""
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.path != "/v1/traces":
                    self.send_error(404)
                    return
                spans = decoded_spans(body)
                with receiver._lock:
                    receiver.spans.extend(spans)
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format, *args):
                """Quiet: the test says what it saw."""

        return Handler
