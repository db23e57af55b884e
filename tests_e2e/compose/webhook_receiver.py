"""A test-only webhook receiver for the compose stack: it records every POST and lists them.

It runs in its own container on the stack's network (stdlib only, so any Python image serves):
POST any path -> 204 and the request is kept; GET /received -> every kept request as JSON;
GET /healthz -> 200.
"""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RECEIVED: list[dict] = []
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    """Keep POSTs, answer GETs."""

    def do_POST(self):
        """Record the path, headers and body (base64, so any bytes survive), answer 204."""
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with LOCK:
            RECEIVED.append(
                {
                    "path": self.path,
                    "headers": dict(self.headers.items()),
                    "body": base64.b64encode(body).decode(),
                }
            )
        self.send_response(204)
        self.end_headers()

    def do_GET(self):
        """/received lists what came in; /healthz is the healthcheck."""
        if self.path == "/healthz":
            payload = b"ok"
        elif self.path == "/received":
            with LOCK:
                payload = json.dumps(RECEIVED).encode()
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        """Quiet: the test reads /received, not the log."""


if __name__ == "__main__":
    # All interfaces of the receiver's own container, on the test project's network.
    ThreadingHTTPServer(("0.0.0.0", 9000), Handler).serve_forever()  # noqa: S104
