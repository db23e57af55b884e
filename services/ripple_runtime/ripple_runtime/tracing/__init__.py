"""JSON logs that share ids, and traces that follow a delete: what every process logs and spans with.

`context` holds the ids of the work in hand (correlation, event, task, trace) in contextvars;
`logs` puts them on every log record and writes JSON lines (LOG_FORMAT=json); `spans` makes
OpenTelemetry spans only when OTEL_EXPORTER_OTLP_ENDPOINT is set (never importing the SDK
otherwise); `hooks` are the one-line calls the request middleware, the relay, the consumer step,
the tasks and the webhook sender make.
"""
